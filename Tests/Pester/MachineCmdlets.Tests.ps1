# The interactive-debugging cmdlets on a machine built in PowerShell from the hello ROM.
# Expected values come from the SDM's reset state (Vol. 3A table 9-1) and from nasm/ndisasm.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $Manifest -Force -ErrorAction Stop
    $script:Rom = New-TestRom (Join-Path $RepoRoot 'Labs/samples/hello.asm') $TestDrive
    $script:RomBytes = [IO.File]::ReadAllBytes($Rom)
}
AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }

Describe 'Get-GuestRegister' {
    BeforeEach { $script:m = New-HelloMachine $Rom }

    It 'shows the SDM reset state: CS F000, EIP FFF0, EFLAGS 2, CR0 60000010' {
        $r = @{}; Get-GuestRegister -Machine $m | ForEach-Object { $r[$_.Name] = $_.Value }
        $r['CS'] | Should -Be 0xF000
        $r['EIP'] | Should -Be 0xFFF0
        $r['EFLAGS'] | Should -Be 2
        $r['CR0'] | Should -Be 0x60000010
        $r.Keys | Should -Contain 'EAX'
        $r.Keys | Should -Not -Contain 'AL'
    }

    It 'takes the machine from the pipeline and names with wildcards' {
        $names = ($m | Get-GuestRegister -Name 'E?X', 'CR*').Name
        $names | Should -Be @('EAX', 'ECX', 'EDX', 'EBX', 'CR0', 'CR2', 'CR3', 'CR4')
    }

    It 'reports each register with its width and padded hex' {
        $ip = $m | Get-GuestRegister -Name ip
        $ip.Name | Should -Be 'IP'
        $ip.Bits | Should -Be 16
        $ip.Hex | Should -Be '0xFFF0'
    }

    It 'writes a non-terminating ObjectNotFound error for an unknown name and still shows the others' {
        $out = $m | Get-GuestRegister -Name EXX, EAX -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Name | Should -Be 'EAX'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnknownRegister,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'EXX'
        $err[0].Exception.Message | Should -BeLike "'EXX' is not a register name*"
    }

    It 'requires a machine' {
        { Get-GuestRegister -Machine $null } | Should -Throw -ErrorId 'ParameterArgumentValidationErrorNullNotAllowed,VirtLab.Cmdlets.GetGuestRegisterCommand'
    }
}

Describe 'Set-GuestRegister' {
    BeforeEach { $script:m = New-HelloMachine $Rom }

    It 'sets a 32-bit register and returns it with -PassThru' {
        $r = Set-GuestRegister -Machine $m -Name eax -Value 0x12345678 -PassThru
        $r.Name | Should -Be 'EAX'
        $m.Cpu.Eax | Should -Be 0x12345678
    }

    It 'sets an 8-bit part without touching the rest of the register' {
        $m | Set-GuestRegister EAX 0x11223344
        $m | Set-GuestRegister AH 0xAB
        $m.Cpu.Eax | Should -Be 0x1122AB44
    }

    It 'takes 0xFFFF0000 (a negative int in PowerShell) and hex strings as 32-bit values' {
        $m | Set-GuestRegister EBX 0xFFFF0000
        $m.Cpu.Ebx | Should -Be ([uint32]'0xFFFF0000')
        $m | Set-GuestRegister ECX '0B8000h'
        $m.Cpu.Ecx | Should -Be 0xB8000
    }

    It 'loads a real-mode segment register as selector x 16' {
        $m | Set-GuestRegister DS 0x1234
        $m.Cpu.GetSegment([VirtLab.Engine.SegmentRegister]::DS).Base | Should -Be 0x12340
    }

    It 'changes nothing under -WhatIf' {
        $m | Set-GuestRegister EAX 5 -WhatIf
        $m.Cpu.Eax | Should -Be 0
    }

    It 'refuses a value wider than the register' {
        { $m | Set-GuestRegister AX 0x10000 } | Should -Throw -ErrorId 'ValueTooWide,VirtLab.Cmdlets.SetGuestRegisterCommand'
        $m.Cpu.Eax | Should -Be 0
    }

    It 'refuses a read-only register with PermissionDenied' {
        $e = { $m | Set-GuestRegister CR3 0x1000 } | Should -Throw -ErrorId 'ReadOnlyRegister,VirtLab.Cmdlets.SetGuestRegisterCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.Exception.Message | Should -BeLike 'CR3 is read-only*'
    }

    It 'refuses CR0.PG without CR0.PE, as MOV CR0 would raise #GP (SDM Vol. 3A 2.5)' {
        $e = { $m | Set-GuestRegister CR0 0x80000010 } | Should -Throw -ErrorId 'RegisterWriteFaults,VirtLab.Cmdlets.SetGuestRegisterCommand' -PassThru
        $e.Exception.Message | Should -BeLike '*#GP*'
        $m.Cpu.Cr0 | Should -Be 0x60000010
    }

    It 'refuses a segment load in protected mode, where it would need a descriptor' {
        $m | Set-GuestRegister CR0 0x60000011
        $e = { $m | Set-GuestRegister DS 8 } | Should -Throw -ErrorId 'RegisterNotWritableNow,VirtLab.Cmdlets.SetGuestRegisterCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e.Exception.Message | Should -BeLike 'DS can be set only in real or virtual-8086 mode*'
    }

    It 'refuses a number wider than 32 bits' {
        { $m | Set-GuestRegister EAX 0x100000000 } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,VirtLab.Cmdlets.SetGuestRegisterCommand'
        { $m | Set-GuestRegister EAX -5000000000 } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,VirtLab.Cmdlets.SetGuestRegisterCommand'
    }

    It 'refuses an unknown register name' {
        { $m | Set-GuestRegister EXX 1 } | Should -Throw -ErrorId 'UnknownRegister,VirtLab.Cmdlets.SetGuestRegisterCommand'
    }

    It 'refuses a value that is not a number' {
        { $m | Set-GuestRegister EAX 'lots' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,VirtLab.Cmdlets.SetGuestRegisterCommand'
    }
}

Describe 'Read-GuestMemory' {
    BeforeAll { $script:m = New-HelloMachine $Rom }

    It 'shows the reset vector bytes of the ROM (mapped at 0xF0000) in 16-byte rows' {
        $rows = @($m | Read-GuestMemory 0xFFFF0 16)
        $rows.Count | Should -Be 1
        $rows[0].Address | Should -Be 0xFFFF0
        $rows[0].Bytes | Should -Be $RomBytes[0xFFF0..0xFFFF]
        $rows[0].Hex | Should -BeLike 'EA 00 00 00 F0 FF*'
    }

    It 'shows the message as ASCII' {
        $at = 0xF0000 + [Text.Encoding]::ASCII.GetString($RomBytes).IndexOf('Hello')
        ($m | Read-GuestMemory $at 18).Ascii -join '' | Should -Be 'Hello from VirtLab'
    }

    It 'returns one byte[] with -AsByteArray' {
        $bytes = Read-GuestMemory -Machine $m -Address 0xF0000 -Count 24 -AsByteArray
        , $bytes | Should -BeOfType [byte[]]
        $bytes | Should -Be $RomBytes[0..23]
    }

    It 'shows unmapped bytes as -- (16 MiB of RAM end at 0x1000000)' {
        $row = $m | Read-GuestMemory 0xFFFFF8 16
        $row.Hex | Should -Be '00 00 00 00 00 00 00 00 -- -- -- -- -- -- -- --'
        $row.FullyMapped | Should -BeFalse
        $m.Memory.UnmappedReads | Should -Be 0
    }

    It 'writes a ReadError for -AsByteArray over unmapped memory' {
        $r = Read-GuestMemory -Machine $m -Address 0x1000000 -Count 4 -AsByteArray -ErrorVariable err -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnmappedMemory,*'
        $err[0].CategoryInfo.Category | Should -Be 'ReadError'
        $err[0].Exception.Message | Should -BeLike '*0x01000000*'
    }

    It 'stops at 4 GiB with a warning' {
        $rows = @($m | Read-GuestMemory 0xFFFFFFF8 32 -WarningVariable w -WarningAction SilentlyContinue)
        $rows.Count | Should -Be 1
        $rows[0].Values.Count | Should -Be 8
        $w | Should -BeLike '*end of the 4 GiB*8 of 32*'
    }

    It 'rejects a zero count' {
        { $m | Read-GuestMemory 0 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,VirtLab.Cmdlets.ReadGuestMemoryCommand'
    }
}

Describe 'Write-GuestMemory' {
    BeforeEach { $script:m = New-HelloMachine $Rom }

    It 'writes RAM and returns the bytes read back with -PassThru' {
        $row = Write-GuestMemory -Machine $m -Address 0x500 -Bytes 0x90, 0x90, 0xF4 -PassThru
        $row.Bytes | Should -Be @(0x90, 0x90, 0xF4)
        $m.Memory.ReadByte(0x502) | Should -Be 0xF4
    }

    It 'refuses ROM before writing any byte' {
        $e = { $m | Write-GuestMemory 0xFFFF0 0x90 } | Should -Throw -ErrorId 'NotRam,VirtLab.Cmdlets.WriteGuestMemoryCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'WriteError'
        $e.Exception.Message | Should -BeLike '0x000FFFF0 is ROM*'
        $m.Memory.RomWrites | Should -Be 0
    }

    It 'refuses a range that runs off the end of RAM, leaving the RAM part untouched' {
        { $m | Write-GuestMemory 0xFFFFFF (1, 2) } | Should -Throw -ErrorId 'NotRam,VirtLab.Cmdlets.WriteGuestMemoryCommand'
        $m.Memory.ReadByte(0xFFFFFF) | Should -Be 0
    }

    It 'changes nothing under -WhatIf' {
        $m | Write-GuestMemory 0x600 7 -WhatIf
        $m.Memory.ReadByte(0x600) | Should -Be 0
    }

    It 'makes the CPU execute the new bytes (decoded code is dropped)' {
        # Real mode at 0:0x500: mov al, 0x2A / out 0xF4, al -- the exit code is what we wrote.
        $m.Cpu.EnterRealMode(0, 0x500)
        $m | Write-GuestMemory 0x500 (0xB0, 0x07, 0xE6, 0xF4)
        $null = $m | Step-Guest
        $m | Write-GuestMemory 0x501 0x2A
        $m.Cpu.EnterRealMode(0, 0x500)
        $r = $m.Run(10)
        $r.ExitCode | Should -Be 0x2A
    }
}

Describe 'Step-Guest' {
    BeforeEach { $script:m = New-HelloMachine $Rom }

    It 'executes the far jump at the reset vector, then CLI and CLD, as ndisasm decodes them' {
        $steps = @($m | Step-Guest -Count 3)
        $expected = @(Get-NdisasmListing $Rom -Start 0xFFF0 -Origin 0xFFF0 | Select-Object -First 1) + @(Get-NdisasmListing $Rom | Select-Object -First 2)
        $steps.Count | Should -Be 3
        for ($i = 0; $i -lt 3; $i++) {
            [Convert]::ToHexString($steps[$i].Bytes) | Should -Be $expected[$i].Bytes
            $steps[$i].Index | Should -Be ($i + 1)
        }
        $steps[0].Cs | Should -Be 0xF000
        $steps[0].Eip | Should -Be 0xFFF0
        $steps[0].Address | Should -Be ([uint32]'0xFFFFFFF0')
        $steps[0].NextCs | Should -Be 0xF000
        $steps[0].NextEip | Should -Be 0
        $steps[1].Instruction | Should -Be 'cli'
        $steps[2].NextEip | Should -Be 2
    }

    It 'stops early when the guest writes the exit port' {
        $steps = @($m | Step-Guest -Count 100000)
        $steps.Count | Should -BeLessThan 100000
        $steps[-1].StopReason | Should -Be 'ExitPort'
        $steps[-1].Instruction | Should -Be 'out 0F4h,al'
        $m.Console.Text | Should -Be "Hello from VirtLab`n"
    }

    It 'does nothing under -WhatIf' {
        $m | Step-Guest -WhatIf
        $m.Cpu.Eip | Should -Be 0xFFF0
    }
}

Describe 'Get-GuestInstruction' {
    BeforeAll { $script:m = New-HelloMachine $Rom }

    It 'lists the instruction at CS:EIP by default (the reset vector, 0xFFFFFFF0)' {
        $line = @($m | Get-GuestInstruction -Count 1)
        $line.Count | Should -Be 1
        $line[0].Address | Should -Be ([uint32]'0xFFFFFFF0')
        $line[0].Text | Should -Be 'jmp 0F000h:0'
    }

    It 'finds the same instruction boundaries and bytes as ndisasm' {
        $expected = @(Get-NdisasmListing $Rom | Select-Object -First 14)
        $lines = @(Get-GuestInstruction -Machine $m -Address 0xF0000 -Count 14 -Bitness 16)
        $lines.Count | Should -Be 14
        for ($i = 0; $i -lt 14; $i++) {
            $lines[$i].Address | Should -Be (0xF0000 + $expected[$i].Address)
            [Convert]::ToHexString($lines[$i].Bytes) | Should -Be $expected[$i].Bytes
        }
    }

    It 'writes Intel syntax on request' {
        (Get-GuestInstruction -Machine $m -Address 0xF0009 -Count 1 -Bitness 16 -Syntax Intel).Text | Should -Be 'mov dx,0E9h'
    }

    It 'shows symbols as labels and branch targets' {
        $symbols = [VirtLab.Engine.Images.SymbolTable]::new()
        $symbols.Add('next', 0xF000C)
        $lines = @(Get-GuestInstruction -Machine $m -Address 0xF000C -Count 7 -Bitness 16 -Symbols $symbols)
        $lines[0].Kind | Should -Be 'Label'
        $lines[0].Text | Should -Be 'next'
        ($lines | Where-Object { $_.Bytes.Count -gt 0 -and $_.Bytes[0] -eq 0xEB }).Text | Should -Be 'jmp short next'
    }

    It 'uses the machine''s own symbols when no others are given' {
        $p = New-HelloMachine $Rom
        $p.Symbols.Add('print_loop', 0xF000C)
        (Get-GuestInstruction -Machine $p -Address 0xF000C -Count 1 -Bitness 16)[0].Text | Should -Be 'print_loop'
    }

    It 'warns when the listing reaches unmapped memory' {
        $lines = @(Get-GuestInstruction -Machine $m -Address 0xFFFFFE -Count 4 -WarningVariable w -WarningAction SilentlyContinue)
        $lines.Count | Should -BeLessThan 4
        $w | Should -BeLike '*unmapped*'
    }

    It 'warns when the listing reaches the end of the 4 GiB address space' {
        $lines = @(Get-GuestInstruction -Machine $m -Address 0xFFFFFFFE -Count 4 -WarningVariable w -WarningAction SilentlyContinue)
        $lines.Count | Should -BeLessThan 4
        $w | Should -BeLike '*end of the 4 GiB address space*'
    }

    It 'refuses the default address when paging is on and CS:EIP is on a page that is not present' {
        $p = New-HelloMachine $Rom
        $p | Set-GuestRegister CR0 0x80000011
        { $p | Get-GuestInstruction } | Should -Throw -ErrorId 'PagingOn,VirtLab.Cmdlets.GetGuestInstructionCommand'
    }

    It 'validates -Bitness' {
        { $m | Get-GuestInstruction -Bitness 64 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,VirtLab.Cmdlets.GetGuestInstructionCommand'
    }
}

Describe 'The machine-level cmdlets on a lab''s guests' {
    BeforeAll {
        $script:HelloLab = New-VirtLab (Join-Path $RepoRoot 'Labs/hello.yaml')
        $script:TwoGuests = New-VirtLab -Yaml @'
name: two
guests:
  - name: first
    start: real16
    memory:
      - { name: ram, base: 0, size: 64KiB, at: 0x7C00, asm: "hlt" }
  - name: second
    start: real16
    registers: { eax: 0x2A }
    memory:
      - { name: ram, base: 0, size: 64KiB, at: 0x7C00, asm: "hlt" }
'@
        # The same source through nasm: where nasm puts the message is where the symbol must point.
        $src = Join-Path $TestDrive 'hello-lab.asm'
        $asm = (Get-Content -Raw (Join-Path $RepoRoot 'Labs/hello.yaml')) -split "asm: \|`r?`n" | Select-Object -Last 1
        $asm = ($asm -split "`r?`n" | Where-Object { $_ -match '^\s{10}' } | ForEach-Object { $_.Substring(10) }) -join "`n"
        Set-Content -LiteralPath $src -Value "bits 16`norg 0x7C00`n$asm"
        $bin = Join-Path $TestDrive 'hello-lab.bin'
        & nasm -f bin -o $bin $src
        if ($LASTEXITCODE -ne 0) { throw "nasm failed on the hello lab's source" }
        $script:NasmBytes = [IO.File]::ReadAllBytes($bin)
    }

    It 'takes a guest from the pipeline' {
        ($HelloLab.Guests[0] | Get-GuestRegister -Name EIP).Value | Should -Be 0x7C00
    }

    It 'takes -Lab with -GuestName' {
        (Get-GuestRegister -Lab $TwoGuests -GuestName second -Name EAX).Value | Should -Be 0x2A
    }

    It 'takes a lab with one guest without -GuestName' {
        ($HelloLab | Get-GuestRegister -Name CS).Value | Should -Be 0
    }

    It 'asks for -GuestName when the lab has several guests' {
        $TwoGuests | Get-GuestRegister -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestNameRequired,VirtLab.Cmdlets.GetGuestRegisterCommand'
        $err[0].Exception.Message | Should -BeLike '*2 guests*first, second*'
    }

    It 'reports an unknown guest name' {
        Get-GuestRegister -Lab $TwoGuests -GuestName third -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtLab.Cmdlets.GetGuestRegisterCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'third'
    }

    It 'assembles the lab''s code to the same bytes as nasm' {
        $HelloLab.Guests[0].Reset()
        ($HelloLab | Read-GuestMemory 0x7C00 $NasmBytes.Length -AsByteArray) | Should -Be $NasmBytes
    }

    It 'lists the guest''s code with the labels of its inline assembly, where nasm put them' {
        $HelloLab.Guests[0].Reset()
        $lines = @(Get-GuestInstruction -Lab $HelloLab -Count 10)
        $lines[0].Kind | Should -Be 'Label'
        $lines[0].Text | Should -Be 'start'
        $lines[0].Address | Should -Be 0x7C00
        $message = $lines | Where-Object { $_.Kind -eq 'Label' -and $_.Text -eq 'message' }
        $message.Address | Should -Be (0x7C00 + [Text.Encoding]::ASCII.GetString($NasmBytes).IndexOf('Hello'))
    }

    It 'keeps the guest''s state between calls: steps continue where the last one stopped' {
        $g = $HelloLab.Guests[0]
        $g.Reset()
        $first = @($g | Step-Guest -Count 2)
        $next = @($g | Step-Guest)
        $next[0].Eip | Should -Be $first[1].NextEip
        $g | Set-GuestRegister EAX 0x55
        ($g | Get-GuestRegister EAX).Value | Should -Be 0x55
    }
}

Describe 'Checkpoint-Guest and Restore-Guest' {
    BeforeEach {
        $script:lab = New-VirtLab (Join-Path $RepoRoot 'Labs/hello.yaml')
        $script:g = $lab.Guests[0]
    }

    It 'returns the guest to the checkpoint: registers, console and the instructions that follow' {
        $null = $g | Step-Guest -Count 3
        $cp = $g | Checkpoint-Guest -Name mid
        $cp.Name | Should -Be 'mid'
        $cp.GuestName | Should -Be 'hello'
        $regs = ($g | Get-GuestRegister | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ' '
        $first = @($g | Step-Guest -Count 1000)
        $first[-1].StopReason | Should -Be 'ExitPort'
        $g.Machine.Console.Text | Should -Be "Hello from VirtLab`n"
        $cp | Restore-Guest
        (($g | Get-GuestRegister | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ' ') | Should -Be $regs
        $g.Machine.Console.Text | Should -Be ''
        $again = @($g | Step-Guest -Count 1000)
        ($again | ForEach-Object { '{0:X8} {1}' -f $_.Eip, $_.Instruction }) | Should -Be ($first | ForEach-Object { '{0:X8} {1}' -f $_.Eip, $_.Instruction })
        $g.Machine.Console.Text | Should -Be "Hello from VirtLab`n"
    }

    It 'undoes a memory write' {
        $cp = Checkpoint-Guest -Lab $lab
        $cp.Name | Should -Be 'hello@0'
        $g | Write-GuestMemory 0x500 0xCC
        $cp | Restore-Guest -PassThru | Should -Be $cp
        $g.Machine.Memory.ReadByte(0x500) | Should -Be 0
    }

    It 'works on a bare machine' {
        $m = [VirtLab.Engine.Machine]::new()
        $cp = $m | Checkpoint-Guest
        $cp.GuestName | Should -BeNullOrEmpty
        $m | Set-GuestRegister EAX 7
        Restore-Guest $cp
        $m.Cpu.Eax | Should -Be 0
    }

    It 'changes nothing under -WhatIf' {
        $cp = $g | Checkpoint-Guest
        $g | Set-GuestRegister EBX 9
        $cp | Restore-Guest -WhatIf
        $g.Machine.Cpu.Ebx | Should -Be 9
    }

    It 'keeps a checkpoint valid across Start-Guest (the guest keeps its machine)' {
        $machine = $g.Machine
        $cp = $g | Checkpoint-Guest -Name old
        $eip = $g.Machine.Cpu.Eip
        $console = $g.Machine.Console.Text
        $null = $g | Start-Guest
        [object]::ReferenceEquals($machine, $g.Machine) | Should -BeTrue
        $g.Machine.Console.Text | Should -Be "Hello from VirtLab`n"
        $cp | Restore-Guest
        $g.Machine.Cpu.Eip | Should -Be $eip
        $g.Machine.Console.Text | Should -Be $console
    }

    It 'requires a checkpoint' {
        { Restore-Guest -Checkpoint $null } | Should -Throw -ErrorId 'ParameterArgumentValidationErrorNullNotAllowed,VirtLab.Cmdlets.RestoreGuestCommand'
    }
}
