using System.Reflection;
using System.Text;

namespace VirtLab.Engine;

/// <summary>
/// A captured copy of a device's fields, restorable into the same object: value-type and string
/// fields are copied, arrays and lists of values cloned, StringBuilders copied as text, and fields
/// holding other engine objects the device owns (a PIT's counters, a PIC's chips) captured
/// recursively. Delegates (wiring) and references to shared objects (the console, the CPU) are
/// left alone, so a restored device stays connected as it was.
/// </summary>
internal sealed class ObjectState
{
    private static readonly System.Reflection.Assembly EngineAssembly = typeof(ObjectState).Assembly;
    private static readonly HashSet<Type> Shared = new() { typeof(Cpu), typeof(Machine), typeof(ConsoleOutput), typeof(PhysicalMemory), typeof(IoBus) };

    private readonly List<(FieldInfo Field, object? Value)> _values = new();
    private readonly List<(FieldInfo Field, ObjectState State)> _owned = new();
    private readonly List<(FieldInfo Field, ObjectState?[] States)> _ownedArrays = new();

    public static ObjectState Capture(object target)
    {
        var state = new ObjectState();
        foreach (var f in Fields(target.GetType()))
        {
            var t = f.FieldType;
            object? v = f.GetValue(target);
            if (typeof(Delegate).IsAssignableFrom(t) || Shared.Contains(t)) continue;
            if (t.IsValueType || t == typeof(string)) state._values.Add((f, v));
            else if (v is null) state._values.Add((f, null));
            else if (t.IsArray && t.GetElementType()!.IsValueType) state._values.Add((f, ((Array)v).Clone()));
            else if (t.IsArray && t.GetElementType()!.Assembly == EngineAssembly)
                state._ownedArrays.Add((f, ((object?[])v).Select(e => e is null ? null : Capture(e)).ToArray()));
            else if (v is StringBuilder sb) state._values.Add((f, sb.ToString()));
            else if (v is List<byte> bytes) state._values.Add((f, bytes.ToArray()));
            else if (t.Assembly == EngineAssembly && t.IsClass) state._owned.Add((f, Capture(v)));
            else throw new NotSupportedException($"Cannot checkpoint field {f.DeclaringType!.Name}.{f.Name} of type {t.Name}.");
        }
        return state;
    }

    public void Restore(object target)
    {
        foreach (var (f, v) in _values)
        {
            object? current = f.GetValue(target);
            switch (current)
            {
                case StringBuilder sb: sb.Clear().Append((string)v!); break;
                case List<byte> list: list.Clear(); list.AddRange((byte[])v!); break;
                default: f.SetValue(target, v is Array a ? a.Clone() : v); break;
            }
        }
        foreach (var (f, s) in _owned) s.Restore(f.GetValue(target)!);
        foreach (var (f, states) in _ownedArrays)
        {
            var items = (object?[])f.GetValue(target)!;
            for (int i = 0; i < states.Length; i++) if (states[i] is { } s && items[i] is { } item) s.Restore(item);
        }
    }

    private static IEnumerable<FieldInfo> Fields(Type type)
    {
        for (var t = type; t != null && t != typeof(object); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
    }
}
