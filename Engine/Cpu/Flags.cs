using System.Runtime.CompilerServices;

namespace VirtLab.Engine;

/// <summary>The kind of result the lazy arithmetic flags were left by.</summary>
internal enum LazyOp : byte
{
    /// <summary>Result of ADD/INC: CF = carry out, OF = signed overflow of dst + src.</summary>
    Add,
    /// <summary>Result of SUB/CMP/DEC/NEG: CF = borrow, OF = signed overflow of dst - src.</summary>
    Sub,
    /// <summary>Result of AND/OR/XOR/TEST: CF = OF = 0, AF = 0 (a documented choice: AF is undefined; 386 hardware and Bochs leave 0).</summary>
    Logic,
}

/// <summary>
/// EFLAGS with lazy arithmetic flags (as Bochs, QEMU and v86 do): ALU instructions record their
/// operands, result, size and kind; CF PF AF ZF SF OF are computed only when something reads them.
/// <see cref="_lazyMask"/> says which of those six come from the lazy record; the rest of EFLAGS is
/// in <see cref="_flags"/>.
/// </summary>
public sealed partial class Cpu
{
    // EFLAGS bits as plain constants for the handlers; the values are the EFlags enum's (Registers.cs).
    public const uint CF = (uint)VirtLab.Engine.EFlags.CF, PF = (uint)VirtLab.Engine.EFlags.PF, AF = (uint)VirtLab.Engine.EFlags.AF, ZF = (uint)VirtLab.Engine.EFlags.ZF, SF = (uint)VirtLab.Engine.EFlags.SF,
        TF = (uint)VirtLab.Engine.EFlags.TF, IF = (uint)VirtLab.Engine.EFlags.IF, DF = (uint)VirtLab.Engine.EFlags.DF, OF = (uint)VirtLab.Engine.EFlags.OF;
    public const uint IoplMask = (uint)VirtLab.Engine.EFlags.IOPL, NT = (uint)VirtLab.Engine.EFlags.NT, RF = (uint)VirtLab.Engine.EFlags.RF, VM = (uint)VirtLab.Engine.EFlags.VM,
        AC = (uint)VirtLab.Engine.EFlags.AC, VIF = (uint)VirtLab.Engine.EFlags.VIF, VIP = (uint)VirtLab.Engine.EFlags.VIP, ID = (uint)VirtLab.Engine.EFlags.ID;
    public const uint ArithFlags = CF | PF | AF | ZF | SF | OF;

    private uint _flags = 2;
    private uint _lazyMask;
    private uint _lazyDst, _lazySrc, _lazyRes;
    private LazyOp _lazyOp;
    private byte _lazyBits; // 8, 16 or 32

    private static readonly byte[] ParityTable = BuildParity();
    private static byte[] BuildParity()
    {
        var t = new byte[256];
        for (int i = 0; i < 256; i++) t[i] = (byte)((System.Numerics.BitOperations.PopCount((uint)i) & 1) == 0 ? PF : 0);
        return t;
    }

    /// <summary>Records an arithmetic result; all six arithmetic flags become lazy. Values are masked to the size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLazy(LazyOp op, int bits, uint dst, uint src, uint res)
    {
        _lazyOp = op; _lazyBits = (byte)bits;
        _lazyDst = dst; _lazySrc = src; _lazyRes = res;
        _lazyMask = ArithFlags;
    }

    /// <summary>Like <see cref="SetLazy"/> but CF keeps its current value (INC, DEC).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetLazyKeepCarry(LazyOp op, int bits, uint dst, uint src, uint res)
    {
        uint cf = GetCF() ? CF : 0;
        _flags = (_flags & ~CF) | cf;
        _lazyOp = op; _lazyBits = (byte)bits;
        _lazyDst = dst; _lazySrc = src; _lazyRes = res;
        _lazyMask = ArithFlags & ~CF;
    }

    /// <summary>Sets the six arithmetic flags eagerly (instructions whose flags are not a plain add/sub/logic result).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetArithFlags(uint flags)
    {
        _flags = (_flags & ~ArithFlags) | (flags & ArithFlags);
        _lazyMask = 0;
    }

    /// <summary>Sets only the flags in <paramref name="mask"/>, materializing the others first.</summary>
    internal void SetFlagsMasked(uint mask, uint value)
    {
        uint all = GetEFlags();
        _flags = (all & ~mask) | (value & mask);
        _lazyMask = 0;
    }

    /// <summary>Zero, sign and parity of a result of the given width, as flag bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint SzpFlags(uint res, int bits)
    {
        uint mask = bits == 32 ? 0xFFFF_FFFF : (1u << bits) - 1;
        res &= mask;
        return (res == 0 ? ZF : 0) | ((res >> (bits - 1)) & 1) << 7 | ParityTable[res & 0xFF];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetCF()
    {
        if ((_lazyMask & CF) == 0) return (_flags & CF) != 0;
        return _lazyOp switch
        {
            LazyOp.Add => _lazyRes < _lazyDst,
            LazyOp.Sub => _lazyDst < _lazySrc,
            _ => false,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetZF() => (_lazyMask & ZF) == 0 ? (_flags & ZF) != 0 : _lazyRes == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetSF() => (_lazyMask & SF) == 0 ? (_flags & SF) != 0 : ((_lazyRes >> (_lazyBits - 1)) & 1) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetOF()
    {
        if ((_lazyMask & OF) == 0) return (_flags & OF) != 0;
        return _lazyOp switch
        {
            LazyOp.Add => ((((_lazyDst ^ _lazyRes) & (_lazySrc ^ _lazyRes)) >> (_lazyBits - 1)) & 1) != 0,
            LazyOp.Sub => ((((_lazyDst ^ _lazySrc) & (_lazyDst ^ _lazyRes)) >> (_lazyBits - 1)) & 1) != 0,
            _ => false,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetPF() => (_lazyMask & PF) == 0 ? (_flags & PF) != 0 : ParityTable[_lazyRes & 0xFF] != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool GetAF()
    {
        if ((_lazyMask & AF) == 0) return (_flags & AF) != 0;
        return _lazyOp != LazyOp.Logic && (((_lazyDst ^ _lazySrc ^ _lazyRes) >> 4) & 1) != 0;
    }

    public bool GetDF() => (_flags & DF) != 0;
    public bool GetIF() => (_flags & IF) != 0;
    public bool GetTF() => (_flags & TF) != 0;
    public int Iopl => (int)(_flags >> 12) & 3;

    /// <summary>The whole EFLAGS value, lazy flags materialized.</summary>
    public uint GetEFlags()
    {
        if (_lazyMask == 0) return _flags;
        uint f = _flags & ~_lazyMask;
        uint lazy = (GetCF() ? CF : 0) | (GetPF() ? PF : 0) | (GetAF() ? AF : 0) | (GetZF() ? ZF : 0) | (GetSF() ? SF : 0) | (GetOF() ? OF : 0);
        return f | (lazy & _lazyMask);
    }

    /// <summary>Sets EFLAGS as is (bit 1 forced to 1, bits 3, 5, 15 forced to 0). Privilege rules belong to the callers (POPF, IRET).</summary>
    public void SetEFlags(uint value)
    {
        uint old = _flags;
        _flags = (value | 2) & ~0x8028u & 0x003F_7FD7;
        _lazyMask = 0;
        if (((old ^ _flags) & VM) != 0) { UpdateCpl(); RefreshSegmentBounds(); }
        // TF (single-step) and IF (interrupt sampling) are looked at by the run loop between blocks.
        if (((old ^ _flags) & (TF | IF | VM)) != 0) _breakBlock = true;
        if (((old ^ _flags) & AC) != 0) UpdatePagingState();
    }

    public uint EFlags { get => GetEFlags(); set => SetEFlags(value); }

    internal void SetFlagBit(uint bit, bool on)
    {
        if ((_lazyMask & bit) != 0) { _flags = GetEFlags(); _lazyMask = 0; }
        _flags = on ? _flags | bit : _flags & ~bit;
    }

    /// <summary>Evaluates condition code <paramref name="cc"/> (0-15: O NO B AE E NE BE A S NS P NP L GE LE G), SDM Vol. 1 appendix B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Condition(int cc)
    {
        bool r = (cc >> 1) switch
        {
            0 => GetOF(),
            1 => GetCF(),
            2 => GetZF(),
            3 => GetCF() || GetZF(),
            4 => GetSF(),
            5 => GetPF(),
            6 => GetSF() != GetOF(),
            _ => GetZF() || GetSF() != GetOF(),
        };
        return r ^ ((cc & 1) != 0);
    }
}
