namespace VirtLab.Engine.Tests.Images;

/// <summary>
/// The nasm source of a Multiboot v1 test kernel, as an ELF32 (nasm -f elf32 + ld, header flags 3)
/// or an a.out-kludge flat binary (nasm -f bin at 1 MiB, flags 0x10003 with the address fields).
/// It prints through port 0xE9 what the boot loader handed over, reloads its segment registers
/// through the loader's GDT, and exits through port 0xF4 with 0x11. Every line but the last is
/// machine-independent and compared with QEMU byte for byte; the last ("mem ...") holds mem_lower
/// and mem_upper, which depend on the machine's memory map.
/// </summary>
public static class MultibootKernel
{
    public const int ExitCode = 0x11;
    public const string MemLinePrefix = "mem lower=";

    public static string Source(bool aoutKludge) => (aoutKludge ? "%define AOUT 1\n" : "") + Body;

    private const string Body = """
        bits 32
        %ifdef AOUT
        org 0x100000
        MB_FLAGS equ 0x00010003
        %else
        MB_FLAGS equ 0x00000003
        %endif
        section .text
        global _start
        mb_header:
            dd 0x1BADB002
            dd MB_FLAGS
            dd -(0x1BADB002 + MB_FLAGS)
        %ifdef AOUT
            dd mb_header        ; header_addr
            dd mb_header        ; load_addr: the file starts with the header
            dd load_end         ; load_end_addr
            dd bss_end          ; bss_end_addr
            dd _start           ; entry_addr
        %endif
        _start:
            mov [saved_magic], eax
            mov [saved_info], ebx
            ; the whole bss must be zero before anything uses it
            mov byte [bss_state], 'Y'
            mov edx, bss_start
        .check:
            cmp edx, bss_end
            jae .checked
            cmp byte [edx], 0
            jne .dirty
            inc edx
            jmp .check
        .dirty:
            mov byte [bss_state], 'N'
        .checked:
            mov esp, stack_top

            mov esi, s_magic
            mov eax, [saved_magic]
            call field
            mov edi, [saved_info]
            mov esi, s_flags
            mov eax, [edi]
            and eax, ~2                 ; bit 1 (boot_device): QEMU has a boot drive, VirtLab has none
            call field
            mov esi, s_cs
            xor eax, eax
            mov ax, cs
            call field
            mov esi, s_ds
            mov ax, ds
            call field
            mov esi, s_es
            mov ax, es
            call field
            mov esi, s_fs
            mov ax, fs
            call field
            mov esi, s_gs
            mov ax, gs
            call field
            mov esi, s_ss
            mov ax, ss
            call field
            mov esi, s_cr0
            mov eax, cr0
            call field
            mov esi, s_eflags
            pushfd
            pop eax
            and eax, 0x00020300         ; VM, IF, TF
            call field
            mov esi, s_bss
            call puts
            mov al, [bss_state]
            call putc
            call newline

            test dword [edi], 1 << 2
            jz .no_cmdline
            mov esi, s_cmdline
            call puts
            mov esi, [edi + 16]
            call quoted
            call newline
        .no_cmdline:
            test dword [edi], 1 << 9
            jz .no_name
            mov esi, s_loader
            call puts
            mov esi, [edi + 64]
            call quoted
            call newline
        .no_name:
            test dword [edi], 1 << 3
            jz .no_mods
            mov esi, s_mods
            mov eax, [edi + 20]
            call field
            mov ecx, [edi + 20]
            mov ebx, [edi + 24]
        .module:
            test ecx, ecx
            jz .no_mods
            mov esi, s_mod_align
            mov eax, [ebx]
            and eax, 0xFFF
            call field
            mov esi, s_mod_size
            mov eax, [ebx + 4]
            sub eax, [ebx]
            call field
            mov esi, s_mod_string
            call puts
            mov esi, [ebx + 8]
            call quoted
            call newline
            mov esi, s_mod_data
            call puts
            mov esi, [ebx]
            mov edx, [ebx + 4]
        .data_byte:
            cmp esi, edx
            jae .data_done
            lodsb
            call putc
            jmp .data_byte
        .data_done:
            call newline
            add ebx, 16
            dec ecx
            jmp .module
        .no_mods:
            ; the GDT the loader left must be usable: reload every segment register and CS
            mov ax, 0x10
            mov ds, ax
            mov es, ax
            mov fs, ax
            mov gs, ax
            mov ss, ax
            jmp 0x08:.reloaded
        .reloaded:
            mov dword [scratch], 0x5A5AA5A5
            cmp dword [scratch], 0x5A5AA5A5
            jne .fail
            mov esi, s_reload
            call puts
            call newline
            mov esi, s_mem
            call puts
            mov eax, [edi + 4]
            call hex
            mov esi, s_upper
            call puts
            mov eax, [edi + 8]
            call hex
            call newline
            mov al, 0x11
            out 0xF4, al
        .fail:
            mov al, 0xEE
            out 0xF4, al
            hlt

        ; esi = "name=" label, eax = value: prints "name=XXXXXXXX\n"
        field:
            call puts
            call hex
            jmp newline
        hex:
            push ecx
            push edx
            mov ecx, 8
        .digit:
            rol eax, 4
            mov edx, eax
            and edx, 15
            push eax
            mov al, [digits + edx]
            call putc
            pop eax
            loop .digit
            pop edx
            pop ecx
            ret
        puts:
            push eax
        .next:
            lodsb
            test al, al
            jz .end
            call putc
            jmp .next
        .end:
            pop eax
            ret
        quoted:
            mov al, '"'
            call putc
            call puts
            mov al, '"'
            jmp putc
        newline:
            mov al, 10
        putc:
            out 0xE9, al
            ret

        section .data
        digits:       db "0123456789ABCDEF"
        s_magic:      db "magic=", 0
        s_flags:      db "flags&~2=", 0
        s_cs:         db "cs=", 0
        s_ds:         db "ds=", 0
        s_es:         db "es=", 0
        s_fs:         db "fs=", 0
        s_gs:         db "gs=", 0
        s_ss:         db "ss=", 0
        s_cr0:        db "cr0=", 0
        s_eflags:     db "eflags&(VM|IF|TF)=", 0
        s_bss:        db "bss zero=", 0
        s_cmdline:    db "cmdline=", 0
        s_loader:     db "loader=", 0
        s_mods:       db "mods=", 0
        s_mod_align:  db "mod start&FFF=", 0
        s_mod_size:   db "mod size=", 0
        s_mod_string: db "mod string=", 0
        s_mod_data:   db "mod data=", 0
        s_reload:     db "segments reloaded", 0
        s_mem:        db "mem lower=", 0
        s_upper:      db " upper=", 0
        saved_magic:  dd 0
        saved_info:   dd 0
        bss_state:    dd 0
        load_end:

        section .bss
        bss_start:
        scratch:      resd 1
                      resb 4096
        stack_top:
                      resb 8192
        bss_end:
        """;
}
