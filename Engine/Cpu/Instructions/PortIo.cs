using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>IN and OUT (SDM Vol. 2). In protected mode with CPL &gt; IOPL, and always in virtual-8086 mode, the TSS I/O permission bitmap decides (<see cref="Cpu.CheckIoPermission"/>).</summary>
internal static class PortIo
{

    private static ushort Port(Cpu c, DecodedInstruction d, bool isIn) =>
        (isIn ? d.Kind1 : d.Kind0) == OperandKind.Immediate ? (ushort)(byte)d.Immediate : (ushort)c.R[2];

    private static void In(Cpu c, DecodedInstruction d, int size)
    {
        ushort port = Port(c, d, true);
        c.CheckIoPermission(port, size);
        if (c.Monitor is { } m && m.OnIoInstruction(c, d, port, size)) return;
        uint value;
        c.SyncDevicesBeforeIo();
        if (c.Monitor is not { } mon || !mon.OnPortIn(c, port, size, out value)) value = c.Io.Read(port, size);
        c.WriteReg(0, size, value);
        c.SyncDevicesAfterIo();
    }

    private static void Out(Cpu c, DecodedInstruction d, int size)
    {
        ushort port = Port(c, d, false);
        c.CheckIoPermission(port, size);
        if (c.Monitor is { } m && m.OnIoInstruction(c, d, port, size)) return;
        uint value = c.R[0] & Cpu.SizeMask(size);
        c.SyncDevicesBeforeIo();
        if (c.Monitor is not { } mon || !mon.OnPortOut(c, port, size, value)) c.Io.Write(port, size, value);
        c.SyncDevicesAfterIo();
    }

    [Handles(Code.In_AL_imm8, Code.In_AL_DX)] static void In8(Cpu c, DecodedInstruction d) => In(c, d, 1);
    [Handles(Code.In_AX_imm8, Code.In_AX_DX)] static void In16(Cpu c, DecodedInstruction d) => In(c, d, 2);
    [Handles(Code.In_EAX_imm8, Code.In_EAX_DX)] static void In32(Cpu c, DecodedInstruction d) => In(c, d, 4);
    [Handles(Code.Out_imm8_AL, Code.Out_DX_AL)] static void Out8(Cpu c, DecodedInstruction d) => Out(c, d, 1);
    [Handles(Code.Out_imm8_AX, Code.Out_DX_AX)] static void Out16(Cpu c, DecodedInstruction d) => Out(c, d, 2);
    [Handles(Code.Out_imm8_EAX, Code.Out_DX_EAX)] static void Out32(Cpu c, DecodedInstruction d) => Out(c, d, 4);
}
