namespace VirtLab.Engine.Tests.Vmm.Para;

/// <summary>
/// Asm that takes a PV kernel to ring 3: a trap table (#GP, optionally int 0x80 with DPL 3),
/// stack_switch to a kernel stack at 0x31000, the page of the user code mapped with the user bit
/// through update_va_mapping, then a native IRET to 0xE02B with the user stack at the page's end.
/// </summary>
internal static class RingThree
{
    public static string Enter(string userCode, string gpHandler = "gp_handler", string? syscallHandler = null, string? pageFaultHandler = null) => $@"
    mov eax, 0
    mov ebx, r3_traps
    int 0x82
    mov eax, 3
    mov ebx, 0xE021
    mov ecx, 0x31000
    int 0x82
    mov eax, 14
    mov ebx, user_page
    mov ecx, user_page + 7
    mov edx, 0
    mov esi, 2
    int 0x82
    push 0xE033
    push user_page + 0x1000
    push 0x202
    push 0xE02B
    push user_page
    iret
r3_traps:
    db 13, 0
    dw 0xE019
    dd {gpHandler}
{(syscallHandler is null ? "" : $"    db 0x80, 3\n    dw 0xE019\n    dd {syscallHandler}\n")}{(pageFaultHandler is null ? "" : $"    db 14, 0\n    dw 0xE019\n    dd {pageFaultHandler}\n")}    dd 0, 0
    align 4096
user_page:
{userCode}
    jmp $
";
}
