using System.Runtime.CompilerServices;
using Iced.Intel;

namespace VirtLab.Engine.Instructions;

/// <summary>
/// Register/immediate-only variants of the hottest ALU and MOV forms (see
/// <see cref="HandlesRegisterFormAttribute"/>): same results and flags as Arithmetic.cs, Logic.cs and
/// DataTransfer.cs, without the memory path. The differential and SingleStep suites run both kinds.
/// </summary>
internal static class RegisterForms
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Source32(Cpu c, DecodedInstruction d) => d.Kind1 == OperandKind.Immediate ? d.Immediate : c.R[d.Reg1];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Source16(Cpu c, DecodedInstruction d) => (d.Kind1 == OperandKind.Immediate ? d.Immediate : c.R[d.Reg1]) & 0xFFFF;

    [HandlesRegisterForm(Mnemonic.Add, 4)]
    static void Add32(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0], b = Source32(c, d), r = a + b; c.R[d.Reg0] = r; c.SetLazy(LazyOp.Add, 32, a, b, r); }
    [HandlesRegisterForm(Mnemonic.Sub, 4)]
    static void Sub32(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0], b = Source32(c, d), r = a - b; c.R[d.Reg0] = r; c.SetLazy(LazyOp.Sub, 32, a, b, r); }
    [HandlesRegisterForm(Mnemonic.Cmp, 4)]
    static void Cmp32(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0], b = Source32(c, d); c.SetLazy(LazyOp.Sub, 32, a, b, a - b); }
    [HandlesRegisterForm(Mnemonic.And, 4)]
    static void And32(Cpu c, DecodedInstruction d) { uint r = c.R[d.Reg0] & Source32(c, d); c.R[d.Reg0] = r; c.SetLazy(LazyOp.Logic, 32, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Or, 4)]
    static void Or32(Cpu c, DecodedInstruction d) { uint r = c.R[d.Reg0] | Source32(c, d); c.R[d.Reg0] = r; c.SetLazy(LazyOp.Logic, 32, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Xor, 4)]
    static void Xor32(Cpu c, DecodedInstruction d) { uint r = c.R[d.Reg0] ^ Source32(c, d); c.R[d.Reg0] = r; c.SetLazy(LazyOp.Logic, 32, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Test, 4)]
    static void Test32(Cpu c, DecodedInstruction d) { uint r = c.R[d.Reg0] & Source32(c, d); c.SetLazy(LazyOp.Logic, 32, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Mov, 4)]
    static void Mov32(Cpu c, DecodedInstruction d) => c.R[d.Reg0] = Source32(c, d);
    [HandlesRegisterForm(Mnemonic.Inc, 4)]
    static void Inc32(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0], r = a + 1; c.R[d.Reg0] = r; c.SetLazyKeepCarry(LazyOp.Add, 32, a, 1, r); }
    [HandlesRegisterForm(Mnemonic.Dec, 4)]
    static void Dec32(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0], r = a - 1; c.R[d.Reg0] = r; c.SetLazyKeepCarry(LazyOp.Sub, 32, a, 1, r); }

    [HandlesRegisterForm(Mnemonic.Add, 2)]
    static void Add16(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0] & 0xFFFF, b = Source16(c, d), r = (a + b) & 0xFFFF; c.SetReg16(d.Reg0, (ushort)r); c.SetLazy(LazyOp.Add, 16, a, b, r); }
    [HandlesRegisterForm(Mnemonic.Sub, 2)]
    static void Sub16(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0] & 0xFFFF, b = Source16(c, d), r = (a - b) & 0xFFFF; c.SetReg16(d.Reg0, (ushort)r); c.SetLazy(LazyOp.Sub, 16, a, b, r); }
    [HandlesRegisterForm(Mnemonic.Cmp, 2)]
    static void Cmp16(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0] & 0xFFFF, b = Source16(c, d); c.SetLazy(LazyOp.Sub, 16, a, b, (a - b) & 0xFFFF); }
    [HandlesRegisterForm(Mnemonic.And, 2)]
    static void And16(Cpu c, DecodedInstruction d) { uint r = c.R[d.Reg0] & Source16(c, d); c.SetReg16(d.Reg0, (ushort)r); c.SetLazy(LazyOp.Logic, 16, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Or, 2)]
    static void Or16(Cpu c, DecodedInstruction d) { uint r = (c.R[d.Reg0] | Source16(c, d)) & 0xFFFF; c.SetReg16(d.Reg0, (ushort)r); c.SetLazy(LazyOp.Logic, 16, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Xor, 2)]
    static void Xor16(Cpu c, DecodedInstruction d) { uint r = (c.R[d.Reg0] ^ Source16(c, d)) & 0xFFFF; c.SetReg16(d.Reg0, (ushort)r); c.SetLazy(LazyOp.Logic, 16, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Test, 2)]
    static void Test16(Cpu c, DecodedInstruction d) { uint r = c.R[d.Reg0] & Source16(c, d); c.SetLazy(LazyOp.Logic, 16, 0, 0, r); }
    [HandlesRegisterForm(Mnemonic.Mov, 2)]
    static void Mov16(Cpu c, DecodedInstruction d) => c.SetReg16(d.Reg0, (ushort)Source16(c, d));
    [HandlesRegisterForm(Mnemonic.Inc, 2)]
    static void Inc16(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0] & 0xFFFF, r = (a + 1) & 0xFFFF; c.SetReg16(d.Reg0, (ushort)r); c.SetLazyKeepCarry(LazyOp.Add, 16, a, 1, r); }
    [HandlesRegisterForm(Mnemonic.Dec, 2)]
    static void Dec16(Cpu c, DecodedInstruction d) { uint a = c.R[d.Reg0] & 0xFFFF, r = (a - 1) & 0xFFFF; c.SetReg16(d.Reg0, (ushort)r); c.SetLazyKeepCarry(LazyOp.Sub, 16, a, 1, r); }
}
