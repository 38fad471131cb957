using VirtLab.Engine.Assembly;
using Xunit;

namespace VirtLab.Engine.Tests.Assembly;

/// <summary>
/// Bad sources: each must fail with one AssemblyException whose first error names the right line and column
/// (of the offending token) and says what was wrong or expected.
/// </summary>
public class AssemblerErrorTests
{
    public static TheoryData<string, string, int, int, string> Cases() => new()
    {
        // name, source, line, column, message fragment
        { "unknown instruction", "  nop\n  mvo ax, 1", 2, 3, "'mvo' is not an instruction" },
        { "invalid operand combination", "  mov al, bx", 1, 7, "invalid combination of opcode and operands: MOV has no form taking 8-bit register al, 16-bit register bx" },
        { "wrong operand count", "  ret 1, 2", 1, 3, "RET takes 0 or 1 operands, not 2" },
        { "unsized memory", "  inc [bx]", 1, 7, "operation size not specified" },
        { "undefined symbol", "  jmp nowhere", 1, 7, "symbol 'nowhere' is not defined" },
        { "short jump out of range", "  jmp short far_away\n  times 200 nop\nfar_away:", 1, 13, "short jump is out of range" },
        { "label defined twice", "a:\n  nop\na:", 3, 1, "label 'a' is already defined at source.asm:1" },
        { "unterminated string", "  db 'abc", 1, 6, "unterminated string: missing closing '" },
        { "unexpected character", "  mov ax, 1 # 2", 1, 13, "unexpected character '#'" },
        { "missing ]", "  mov ax, [bx", 1, 11, "memory operand has no closing ]" },
        { "invalid 16-bit address", "  mov ax, [ax]", 1, 12, "invalid 16-bit address: use [bx|bp] + [si|di] + displacement" },
        { "register not usable in an address", "  mov ax, [cr0]", 1, 12, "register cr0 cannot be used in an address" },
        { "mixed address sizes", "  mov ax, [bx+esi]", 1, 15, "16-bit and 32-bit registers cannot be mixed" },
        { "esp as index", "  mov eax, [ebx+esp*2]", 1, 17, "esp cannot be an index register" },
        { "bad scale", "  mov eax, [ebx+eax*6]", 1, 17, "scale 6 is not 1, 2, 4 or 8" },
        { "division by zero", "  db 1/0", 1, 7, "division by zero" },
        { "%endif without %if", "  nop\n%endif", 2, 1, "%endif without a matching %if" },
        { "%if without %endif", "%if 1\n  nop", 1, 1, "%if has no %endif" },
        { "second %else", "%if 1\n%else\n%else\n%endif", 3, 1, "a second %else" },
        { "unknown directive", "%frobnicate 1", 1, 1, "unknown preprocessor directive %frobnicate" },
        { "missing include", "%include \"nope.inc\"", 1, 10, "cannot find include file \"nope.inc\"" },
        { "macro parameter count", "%macro M 2\n%endmacro\n  M 1", 3, 3, "macro M takes 2 parameters, but 1 was given" },
        { "%macro without %endmacro", "%macro M 0\n  nop", 1, 1, "%macro M has no %endmacro" },
        { "%error", "%error \"custom failure\"", 1, 1, "custom failure" },
        { "negative %rep", "%rep -1\n%endrep", 1, 6, "%rep count is negative" },
        { "negative times", "  times -1 nop", 1, 9, "TIMES count -1 is negative" },
        { "bad bits", "bits 8", 1, 6, "bits must be followed by 16 or 32" },
        { "bits 64", "bits 64", 1, 6, "bits 64 is not supported" },
        { "extern", "extern printf", 1, 1, "not possible in a flat binary" },
        { "equ without a name", "  equ 5", 1, 3, "equ needs a name" },
        { "floating point", "  dd 1.5", 1, 6, "floating-point constant '1.5' is not supported" },
        { "prefix alone", "  lock", 1, 3, "a prefix must be followed by an instruction" },
        { "relocatable org", "a:\norg a", 2, 5, "org needs a constant address" },
        { "overlapping sections", "section .a start=0\n  db 1, 2\nsection .b start=1\n  db 3", 3, 1, "sections .a (0x0-0x1) and .b (from 0x1) overlap" },
        { "register in an immediate", "  mov ax, bx+1", 1, 11, "register bx is not allowed in this expression" },
        { "context local outside a context", "  jmp %$x", 1, 7, "context-local name %$x used outside any %push context" },
        { "%pop without %push", "%pop", 1, 1, "%pop with no context on the stack" },
        { "register as label", "eax: nop", 1, 1, "register eax cannot be used as a label" },
        { "a16 with 32-bit registers", "  a16 mov ax, [eax]", 1, 15, "a16 conflicts with the 32-bit registers" },
        { "missing incbin file", "  incbin \"none.bin\"", 1, 10, "cannot find incbin file \"none.bin\"" },
        { "incomplete expression", "  mov ax, (1 +", 1, 15, "expected an expression at the end of the line" },
        { "align not a power of two", "  align 3", 1, 9, "align 3 is not a power of two" },
        { "recursive macro", "%macro R 0\n  R\n%endmacro\n  R", 2, 3, "macros nested more than 1000 deep" },
        { "single-line macro arguments", "%define F(a, b) a\n  db F(1)", 2, 6, "macro F takes 2 parameters, but 1 were given" },
        { "size keyword without operand", "  mov ax, word", 1, 11, "expected an operand after the size or jump keyword" },
        { "loop count register", "  loop $, dx", 1, 11, "the count register of LOOP is cx or ecx, not dx" },
        { "two registers scaled", "  mov eax, [eax*2+ebx*2]", 1, 19, "only one register can be scaled" },
        { "%exitrep outside %rep", "%exitrep", 1, 1, "%exitrep outside a %rep block" },
        { "%rotate outside a macro", "%rotate 1", 1, 1, "%rotate outside a macro" },
        { "unknown section attribute", "section .a colour=red", 1, 12, "unknown section attribute colour" },
        { "symbol redefined by equ", "X equ 1\nX equ 2", 2, 1, "symbol 'X' is already defined" },
        { "preprocessor expression with a label", "lbl:\n%if lbl\n%endif", 2, 5, "'lbl' is not a macro or a number" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_source_fails_with_line_column_and_message(string name, string source, int line, int column, string fragment)
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble(source));
        var first = e.Errors.First();
        Assert.True(first.Line == line && first.Column == column && first.Message.Contains(fragment, StringComparison.Ordinal),
            $"{name}: expected {line}:{column} '{fragment}', got {first.File}:{first.Line}:{first.Column} '{first.Message}'\n{e.Message}");
        Assert.Equal("source.asm", first.File);
        Assert.Equal(source.Split('\n')[line - 1], first.Source.Text);
    }

    [Fact]
    public void There_are_at_least_30_kinds_of_bad_source() => Assert.True(Cases().Count() >= 30);

    [Fact]
    public void Diagnostic_shows_file_line_column_source_and_caret()
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble("  nop\n  mov al, bx\n", new AssemblerOptions { SourceName = "lab-1" }));
        var text = e.Errors.Single().ToString();
        Assert.StartsWith("lab-1:2:7: error: invalid combination of opcode and operands", text);
        Assert.Contains("\n      mov al, bx\n", text);
        Assert.EndsWith("\n          ^", text);
        Assert.Contains("lab-1:2:7", e.Message);
    }

    [Fact]
    public void Error_in_a_macro_names_the_body_line_and_the_invocation()
    {
        var src = "%macro LOADB 1\n  mov al, %1\n%endmacro\n  nop\n  LOADB bx\n";
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble(src));
        var d = e.Errors.Single();
        Assert.Equal(2, d.Line);
        Assert.Equal("  mov al, %1", d.Source.Text);
        Assert.Equal("LOADB", d.Source.MacroName);
        Assert.Equal(5, d.Source.CalledFrom!.Line);
        Assert.Contains("in macro LOADB invoked at source.asm:5: LOADB bx", d.ToString());
    }

    [Fact]
    public void Every_error_is_reported_not_only_the_first()
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble("  mov al, bx\n  nop\n  jmp nowhere\n  inc [bx]\n"));
        Assert.Equal(new[] { 1, 3, 4 }, e.Errors.Select(d => d.Line).OrderBy(x => x).ToArray());
    }

    [Fact]
    public void Errors_in_an_included_file_name_that_file()
    {
        var fs = new InMemoryFileSystem().Add("/virt/lib.inc", "  nop\n  pop [bx]\n");
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble("%include \"lib.inc\"\n", new AssemblerOptions { SourceName = "/virt/main.asm", FileSystem = fs }));
        var d = e.Errors.Single();
        Assert.Equal(Path.GetFullPath("/virt/lib.inc"), d.File);
        Assert.Equal(2, d.Line);
        Assert.Equal(7, d.Column);
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Assembler.Assemble("nop", new AssemblerOptions { Bitness = 64 }));
        Assert.Throws<ArgumentException>(() => Assembler.Assemble("nop", new AssemblerOptions { SourceName = "" }));
        Assert.Throws<ArgumentException>(() => Assembler.Assemble("nop", new AssemblerOptions { Defines = new Dictionary<string, string> { ["1bad"] = "1" } }));
        Assert.Throws<ArgumentNullException>(() => Assembler.Assemble(null!));
        Assert.Throws<FileNotFoundException>(() => Assembler.AssembleFile("/no/such/file.asm"));
    }
}
