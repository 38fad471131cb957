using VirtLab.Engine.Images;
using Xunit;

namespace VirtLab.Engine.Tests.Images;

/// <summary>
/// A Multiboot kernel the usual way: a nasm entry stub with the header and a stack, and the kernel
/// proper in C compiled by gcc -m32, linked by ld. It boots in VirtLab and in QEMU (-kernel) with
/// the same console output and exit code.
/// </summary>
public class GccKernelTests
{
    private const string Boot = """
        bits 32
        section .multiboot
        align 4
            dd 0x1BADB002, 3, -(0x1BADB002 + 3)
        section .text
        global _start
        extern kmain
        _start:
            mov esp, stack_top
            push ebx                ; struct multiboot_info *
            push eax                ; magic
            call kmain
        .hang:
            hlt
            jmp .hang
        section .bss
        align 16
            resb 16384
        stack_top:
        """;

    private const string Kernel = """
        struct multiboot_info {
            unsigned flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
            unsigned syms[4], mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
        };
        struct module { unsigned start, end, string, reserved; };

        static inline void outb(unsigned short port, unsigned char v) { __asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port)); }
        static void puts(const char *s) { while (*s) outb(0xE9, (unsigned char)*s++); }
        static void hex(unsigned v) { for (int i = 28; i >= 0; i -= 4) outb(0xE9, "0123456789abcdef"[(v >> i) & 15]); }

        static unsigned char zeroed[4096];              /* .bss: must be zero at entry */
        static const char *const greeting = "gcc kernel"; /* .rodata / .data */

        void kmain(unsigned magic, const struct multiboot_info *info)
        {
            puts(greeting);
            puts(magic == 0x2BADB002 ? ": magic ok\n" : ": BAD MAGIC\n");
            int dirty = 0;
            for (unsigned i = 0; i < sizeof zeroed; i++) dirty |= zeroed[i];
            puts(dirty ? "bss dirty\n" : "bss zero\n");
            if (info->flags & (1u << 2)) { puts("cmdline: "); puts((const char *)info->cmdline); puts("\n"); }
            if (info->flags & (1u << 3)) {
                const struct module *m = (const struct module *)info->mods_addr;
                for (unsigned i = 0; i < info->mods_count; i++) {
                    puts("module "); puts((const char *)m[i].string); puts(": ");
                    hex(m[i].end - m[i].start); puts(" bytes, first ");
                    hex(*(const unsigned *)m[i].start); puts("\n");
                }
            }
            outb(0xF4, 0x21);
        }
        """;

    /// <summary>The usual kernel script: the Multiboot header first, so that it lies in the first 8 KiB of the file.</summary>
    private const string LinkerScript = """
        ENTRY(_start)
        SECTIONS {
          . = 1M;
          .text : { *(.multiboot) *(.text*) }
          .rodata : { *(.rodata*) }
          .data : { *(.data*) }
          .bss : { *(COMMON) *(.bss*) }
        }
        """;

    [Fact]
    public void C_kernel_built_with_gcc_boots_as_under_QEMU()
    {
        using var t = new ImageToolchain();
        var boot = t.Nasm("boot", Boot);
        var kmain = t.Gcc("kmain", Kernel);
        File.WriteAllText(t.PathOf("kernel.ld"), LinkerScript);
        var kernelPath = t.Link("kernel.elf", new[] { boot, kmain }, "elf_i386", "-T", t.PathOf("kernel.ld"));
        var module = new byte[] { 0x78, 0x56, 0x34, 0x12, 0xAA };
        t.Write("mod.bin", module);

        var qemu = t.RunQemuKernel("kernel.elf", 16, "hello=world", "mod.bin initrd");
        Assert.False(qemu.TimedOut, qemu.Console);
        Assert.True(qemu.ExitedThroughPort && qemu.GuestExitCode == 0x21, $"QEMU status {qemu.ExitStatus}: {qemu.StdErr}\n{qemu.Console}");

        var m = new Machine();
        Array.Fill(m.Memory.Ram, (byte)0xFF);
        ImageLoader.LoadMultiboot(m, MultibootImage.Parse(File.ReadAllBytes(kernelPath)), new MultibootLoadOptions
        {
            CommandLine = "kernel.elf hello=world",
            Modules = new[] { new MultibootModule(module, "mod.bin initrd") },
        });
        var r = m.Run(1_000_000);
        Assert.Equal(StopReason.ExitPort, r.StopReason);
        Assert.Equal(qemu.Console, r.ConsoleText);
        Assert.Equal(0x21, r.ExitCode);
        Assert.Equal(
            "gcc kernel: magic ok\nbss zero\ncmdline: kernel.elf hello=world\nmodule mod.bin initrd: 00000005 bytes, first 12345678\n",
            r.ConsoleText);
    }
}
