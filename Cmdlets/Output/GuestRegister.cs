namespace VirtLab.Cmdlets;

/// <summary>One register of a guest, as <c>Get-GuestRegister</c> shows it.</summary>
public sealed class GuestRegister
{
    public GuestRegister(string name, int bits, uint value) { Name = name; Bits = bits; Value = value; }

    /// <summary>Upper-case register name: EAX, AX, AL, EIP, EFLAGS, CS, CR0, DR7, GDTR.BASE...</summary>
    public string Name { get; }
    /// <summary>Width in bits: 8, 16 or 32.</summary>
    public int Bits { get; }
    public uint Value { get; }
    /// <summary>The value in hex, padded to the register's width.</summary>
    public string Hex => "0x" + Value.ToString(Bits switch { 8 => "X2", 16 => "X4", _ => "X8" }, System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => $"{Name}={Hex}";
}
