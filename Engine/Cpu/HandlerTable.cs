using System.Reflection;
using Iced.Intel;

namespace VirtLab.Engine;

/// <summary>Marks an instruction handler with the Iced <see cref="Code"/>s it executes.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class HandlesAttribute : Attribute
{
    public Code[] Codes { get; }
    public HandlesAttribute(params Code[] codes) => Codes = codes;
}

/// <summary>
/// Marks a handler for every form of a mnemonic with the given operand size (1, 2 or 4 bytes)
/// that Iced's opcode tables list for 16- or 32-bit mode. Explicit <see cref="HandlesAttribute"/>
/// entries take precedence.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class HandlesMnemonicAttribute : Attribute
{
    public Mnemonic Mnemonic { get; }
    public int OperandSize { get; }
    public HandlesMnemonicAttribute(Mnemonic mnemonic, int operandSize) { Mnemonic = mnemonic; OperandSize = operandSize; }
}

/// <summary>
/// Marks a faster variant of a mnemonic handler for forms whose operands are all registers and
/// immediates (no memory operand): no memory path, so no calls and no saved registers. The decoder
/// picks it when the decoded instruction has no memory operand; results must equal the general handler's.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class HandlesRegisterFormAttribute : Attribute
{
    public Mnemonic Mnemonic { get; }
    public int OperandSize { get; }
    public HandlesRegisterFormAttribute(Mnemonic mnemonic, int operandSize) { Mnemonic = mnemonic; OperandSize = operandSize; }
}

/// <summary>
/// Maps each Iced <see cref="Code"/> to the static handler that executes it, built once by
/// reflection over the instruction family classes. A code with no handler raises #UD, as hardware
/// does for an opcode it does not implement.
/// </summary>
internal static unsafe class HandlerTable
{
    private static readonly int CodeCount = Enum.GetValues<Code>().Length;
    private static readonly nint[] RegisterFormTable = new nint[CodeCount];
    private static readonly nint[] Table = Build();

    /// <summary>The register-only variant for a code, or null when there is none.</summary>
    public static delegate*<Cpu, DecodedInstruction, void> GetRegisterForm(Code code) =>
        (delegate*<Cpu, DecodedInstruction, void>)RegisterFormTable[(int)code];

    public static delegate*<Cpu, DecodedInstruction, void> Get(Code code) =>
        (delegate*<Cpu, DecodedInstruction, void>)Table[(int)code];

    public static bool IsImplemented(Code code) => Table[(int)code] != UndefinedPointer;

    private static nint UndefinedPointer;

    /// <summary>Operand size of a form in bytes from Iced's tables: its explicit operand size (o16/o32), else 1 when it has a byte register or r/m8 operand; 0 when neither says.</summary>
    public static int OperandSizeOf(Code code)
    {
        var info = code.ToOpCode();
        if (info.OperandSize != 0) return info.OperandSize / 8;
        for (int i = 0; i < info.OpCount; i++)
            if (info.GetOpKind(i) is OpCodeOperandKind.r8_or_mem or OpCodeOperandKind.r8_reg or OpCodeOperandKind.r8_opcode or OpCodeOperandKind.al)
                return 1;
        return 0;
    }

    private static nint[] Build()
    {
        var table = new nint[CodeCount];
        var undefined = typeof(HandlerTable).GetMethod(nameof(Undefined), BindingFlags.NonPublic | BindingFlags.Static)!;
        UndefinedPointer = undefined.MethodHandle.GetFunctionPointer();
        Array.Fill(table, UndefinedPointer);

        var explicitCodes = new HashSet<Code>();
        var byMnemonic = new List<(HandlesMnemonicAttribute Attr, nint Pointer, MethodInfo Method)>();
        var registerForms = new List<(HandlesRegisterFormAttribute Attr, nint Pointer)>();
        foreach (var type in typeof(HandlerTable).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var handles = method.GetCustomAttributes<HandlesAttribute>().ToArray();
                var mnemonics = method.GetCustomAttributes<HandlesMnemonicAttribute>().ToArray();
                var regForms = method.GetCustomAttributes<HandlesRegisterFormAttribute>().ToArray();
                if (handles.Length == 0 && mnemonics.Length == 0 && regForms.Length == 0) continue;
                var ps = method.GetParameters();
                if (ps.Length != 2 || ps[0].ParameterType != typeof(Cpu) || ps[1].ParameterType != typeof(DecodedInstruction) || method.ReturnType != typeof(void))
                    throw new InvalidOperationException($"Handler {type.Name}.{method.Name} must be static void (Cpu, DecodedInstruction).");
                nint pointer = method.MethodHandle.GetFunctionPointer();
                foreach (var h in handles)
                    foreach (var code in h.Codes)
                    {
                        if (!explicitCodes.Add(code))
                            throw new InvalidOperationException($"Code {code} has two handlers (second: {type.Name}.{method.Name}).");
                        table[(int)code] = pointer;
                    }
                foreach (var m in mnemonics) byMnemonic.Add((m, pointer, method));
                foreach (var r in regForms) registerForms.Add((r, pointer));
            }
        }

        var claimedByMnemonic = new Dictionary<Code, MethodInfo>();
        foreach (var (attr, pointer, method) in byMnemonic)
        {
            for (int c = 0; c < CodeCount; c++)
            {
                var code = (Code)c;
                if (explicitCodes.Contains(code) || code.Mnemonic() != attr.Mnemonic) continue;
                var info = code.ToOpCode();
                if (!(info.Mode16 || info.Mode32) || info.Encoding != EncodingKind.Legacy) continue;
                if (OperandSizeOf(code) != attr.OperandSize) continue;
                if (claimedByMnemonic.TryGetValue(code, out var other))
                    throw new InvalidOperationException($"Code {code} is claimed by {other.Name} and {method.Name}.");
                claimedByMnemonic[code] = method;
                table[c] = pointer;
            }
        }
        foreach (var (attr, pointer) in registerForms)
            foreach (var (code, _) in claimedByMnemonic)
                if (code.Mnemonic() == attr.Mnemonic && OperandSizeOf(code) == attr.OperandSize)
                {
                    if (RegisterFormTable[(int)code] != 0) throw new InvalidOperationException($"Code {code} has two register forms.");
                    RegisterFormTable[(int)code] = pointer;
                }
        // x87 escapes (D8-DF) and WAIT without an FPU: see Instructions/FpuAbsent.cs.
        var escape = typeof(Instructions.FpuAbsent).GetMethod(nameof(Instructions.FpuAbsent.Escape), BindingFlags.NonPublic | BindingFlags.Static)!.MethodHandle.GetFunctionPointer();
        for (int c = 0; c < CodeCount; c++)
        {
            var info = ((Code)c).ToOpCode();
            uint firstByte = info.OpCodeLength == 2 ? info.OpCode >> 8 : info.OpCode;
            if (table[c] == UndefinedPointer && info.Encoding == EncodingKind.Legacy && info.Table == OpCodeTableKind.Normal
                && firstByte is >= 0xD8 and <= 0xDF && (info.Mode16 || info.Mode32))
                table[c] = escape;
        }
        return table;
    }

    /// <summary>Every code without a handler: #UD, exactly as for an undefined opcode.</summary>
    private static void Undefined(Cpu cpu, DecodedInstruction d) => throw CpuException.UD();
}
