# -Mode Hardware (simulated VT-x) as PowerShell sees it: the four sample labs and their expected
# exits, Get-Vmcs / Set-Vmcs, scriptblock exit handlers (-ExitHandler, Register-VmExitHandler) and
# their errors.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $Manifest -Force -ErrorAction Stop
    $script:LabsDir = Join-Path $RepoRoot 'Labs'
    $script:HelloYaml = Join-Path $LabsDir 'hello.yaml'
    $script:CpuidLab = @'
name: cpuid
guests:
  - name: g
    start: protected32
    mode: hardware
    memory:
      - name: ram
        base: 0
        size: 1MiB
        at: 0x10000
        asm: |
          start:
              mov eax, 0x40000000
              cpuid
              hlt
'@
}
AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }

Describe 'Sample lab <_>' -ForEach 'vtx-cpuid-hlt', 'vtx-io-bitmap', 'vtx-cr-shadows', 'vtx-ept-mmio' {
    It 'meets every expectation of its expect section' {
        $results = @(New-VirtLab (Join-Path $LabsDir "$_.yaml") | Test-VirtLab)
        $results.Count | Should -BeGreaterThan 0
        $results | Where-Object { -not $_.Passed } | Should -BeNullOrEmpty
    }
}

Describe 'Sample lab exits' {
    It 'vtx-cpuid-hlt: CPUID exits twice with reason 10, then one I/O exit and HLT' {
        $run = New-VirtLab (Join-Path $LabsDir 'vtx-cpuid-hlt.yaml') | Start-Guest
        $run.Mode | Should -Be 'Hardware'
        $run | Should -HaveVmExit Cpuid -Times 2
        ($run | Get-VmExit -Reason Cpuid).ReasonNumber | Should -Be @(10, 10)
        ($run | Get-VmExit -Reason Cpuid)[1].Fields.leaf | Should -Be 0x40000000
        ($run | Get-VmExit).Reason | Should -Be @('Cpuid', 'Cpuid', 'IoInstruction', 'Hlt')
        $run.ConsoleText | Should -Be "VirtLab VCPU`nVirtLabVMM  `n"
    }

    It 'vtx-io-bitmap: the bitmap guest exits only on port 0x80' {
        $runs = New-VirtLab (Join-Path $LabsDir 'vtx-io-bitmap.yaml') | Start-Guest
        ($runs[0] | Get-VmExit | Group-Object { $_.Fields.port }).Count | Should -Be 3
        ($runs[1] | Get-VmExit).Fields.port | Sort-Object -Unique | Should -Be 0x80
        $runs[1].SimulatedCycles | Should -BeLessThan $runs[0].SimulatedCycles
    }

    It 'vtx-cr-shadows: CR0 writes exit with qualification CR 0, MOV to CR, EAX; the CR3 target does not exit' {
        $run = New-VirtLab (Join-Path $LabsDir 'vtx-cr-shadows.yaml') | Start-Guest
        $cr = @($run | Get-VmExit -Reason CrAccess)
        $cr.Count | Should -Be 3
        $cr[0].Qualification | Should -Be 0
        $cr[0].Fields.access | Should -Be 'mov-to-cr'
        $cr[2].Fields.cr | Should -Be 3
        $run.Registers.ebx | Should -Be 0x19
    }

    It 'vtx-ept-mmio: each console byte is an EPT violation at guest-physical 0x200000' {
        $run = (New-VirtLab (Join-Path $LabsDir 'vtx-ept-mmio.yaml') | Start-Guest)[0]
        $ept = @($run | Get-VmExit -Reason EptViolation)
        $ept.Count | Should -Be 4
        $ept.Fields.'guest-physical' | Sort-Object -Unique | Should -Be 0x200000
        $ept[0].Action | Should -Be 'emulated'
        $run.ConsoleText | Should -Be "EPT`n"
    }
}

Describe 'Start-Guest -Mode Hardware' {
    It 'runs a native guest unchanged and charges the exits' {
        $lab = New-VirtLab $HelloYaml
        $native = $lab | Start-Guest
        $hw = $lab | Start-Guest -Mode Hardware
        $hw.ConsoleText | Should -Be $native.ConsoleText
        $hw.InstructionsRetired | Should -Be $native.InstructionsRetired
        $hw | Should -HaveVmExit IoInstruction -Times 20
        $hw.SimulatedCycles | Should -Be ($native.SimulatedCycles + 20 * 4340)
    }

    It 'passes -ExitHandler scriptblocks the exit as $_ and lets them decide' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $run = $lab | Start-Guest -ExitHandler @{ Cpuid = { $_.Cpu.Ebx = 0x1234; $_.Skip() } }
        $run.Registers.ebx | Should -Be 0x1234
        ($run | Get-VmExit -Reason Cpuid).Action | Should -Be 'skipped'
        $run.StopReason | Should -Be 'Halted'
    }

    It 'takes reason numbers as keys' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $run = $lab | Start-Guest -ExitHandler @{ 12 = { $_.Stop('halt seen') } }
        $run.StopReason | Should -Be 'MonitorStop'
        $run.StopMessage | Should -Be 'halt seen'
    }

    It 'leaves the exit to the built-in VMM when the handler decides nothing' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $script:seen = 0
        $run = $lab | Start-Guest -ExitHandler @{ Cpuid = { $script:seen++ } }
        $script:seen | Should -Be 1
        $run.StopReason | Should -Be 'Halted'
    }

    It 'injects an exception chosen by the handler' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $run = $lab | Start-Guest -ExitHandler @{ Cpuid = { $_.Inject('ud') } }
        ($run | Get-VmExit -Reason Cpuid).Action | Should -Be 'injected #UD'
    }

    It 'warns that -ExitHandler does nothing outside Hardware mode' {
        $lab = New-VirtLab $HelloYaml
        $run = $lab | Start-Guest -Mode Native -ExitHandler @{ Cpuid = {} } -WarningVariable w -WarningAction SilentlyContinue
        $run.StopReason | Should -Be 'ExitPort'
        $w.Count | Should -Be 1
        "$($w[0])" | Should -BeLike '*applies to Hardware mode*Native mode*'
    }

    It 'rejects an unknown reason with the nearest name' {
        $lab = New-VirtLab -Yaml $CpuidLab
        { $lab | Start-Guest -ExitHandler @{ Cpuidd = {} } } | Should -Throw -ErrorId 'BadExitHandler,VirtLab.Cmdlets.StartGuestCommand' -ExpectedMessage "*did you mean 'Cpuid'*"
    }

    It 'rejects a handler that is not a scriptblock' {
        $lab = New-VirtLab -Yaml $CpuidLab
        { $lab | Start-Guest -ExitHandler @{ Cpuid = 'skip' } } | Should -Throw -ExpectedMessage '*must be a scriptblock*'
    }

    It 'stops the run and reports the error when a handler throws' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $run = $lab | Start-Guest -ExitHandler @{ Cpuid = { throw 'boom' } } -ErrorVariable err -ErrorAction SilentlyContinue
        $run.StopReason | Should -Be 'MonitorStop'
        $run.StopMessage | Should -BeLike '*Cpuid handler failed: boom*'
        $err.Count | Should -Be 1
        $err[0].Exception.Message | Should -Be 'boom'
    }

    It 'reports a failed VM entry on the run' {
        $yaml = $CpuidLab -replace 'mode: hardware', "mode: hardware`n    hardware:`n      vmcs: {guest_cs_ar_bytes: 0x10093}"
        $run = New-VirtLab -Yaml $yaml | Start-Guest
        $run.StopReason | Should -Be 'MonitorStop'
        $run.InstructionsRetired | Should -Be 0
        $run.StopMessage | Should -BeLike 'VMLAUNCH failed*'
        ($run | Get-VmExit).Reason | Should -Be 'EntryFailureGuestState'
    }
}

Describe 'Register-VmExitHandler and Unregister-VmExitHandler' {
    It 'handles every Hardware run of the guest until unregistered' {
        $lab = New-VirtLab -Yaml $CpuidLab
        Register-VmExitHandler -Lab $lab -Reason Cpuid -ScriptBlock { $_.Cpu.Ebx = 7; $_.Skip() }
        ($lab | Start-Guest).Registers.ebx | Should -Be 7
        ($lab | Start-Guest).Registers.ebx | Should -Be 7
        Unregister-VmExitHandler -Lab $lab -Reason Cpuid
        ($lab | Start-Guest).Registers.ebx | Should -Not -Be 7
        $lab.Guests[0].ExitHandlers.Count | Should -Be 0
    }

    It 'returns the handler with -PassThru and honours -WhatIf' {
        $lab = New-VirtLab -Yaml $CpuidLab
        Register-VmExitHandler -Lab $lab -Reason Hlt -ScriptBlock {} -WhatIf
        $lab.Guests[0].ExitHandlers.Count | Should -Be 0
        $h = Register-VmExitHandler -Lab $lab -Reason Hlt, Cpuid -ScriptBlock {} -PassThru
        $h.Reason | Should -Be @('Hlt', 'Cpuid')
    }

    It 'writes an error for an unknown reason and for a handler that is not there' {
        $lab = New-VirtLab -Yaml $CpuidLab
        Register-VmExitHandler -Lab $lab -Reason Nope -ScriptBlock {} -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -Be 'UnknownExitReason,VirtLab.Cmdlets.RegisterVmExitHandlerCommand'
        Unregister-VmExitHandler -Lab $lab -Reason Cpuid -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'HandlerNotFound,VirtLab.Cmdlets.UnregisterVmExitHandlerCommand'
    }

    It 'completes exit reasons' {
        $c = TabExpansion2 -inputScript 'Register-VmExitHandler -Reason Ept' -cursorColumn 'Register-VmExitHandler -Reason Ept'.Length
        $c.CompletionMatches.CompletionText | Should -Be @('EptViolation', 'EptMisconfig')
    }
}

Describe 'Get-Vmcs and Set-Vmcs' {
    It 'reads the last exit''s information and the saved guest state' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $null = $lab | Start-Guest
        $f = Get-Vmcs -Lab $lab -Name vm_exit_reason, guest_rip
        $f[0].Value | Should -Be 12
        $f[1].Value | Should -Be (0x10000 + 8)
        (Get-Vmcs -Lab $lab -Name 'guest_*_selector').Count | Should -Be 8
        (Get-Vmcs -Lab $lab -Name 0x4402).Name | Should -Be 'vm_exit_reason'
    }

    It 'writes a field that the next continuation uses' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $null = $lab | Start-Guest
        Set-Vmcs -Lab $lab -Name exception_bitmap -Value 0x4000 -PassThru | ForEach-Object Value | Should -Be 0x4000
        (Get-Vmcs -Lab $lab -Name exception_bitmap).Value | Should -Be 0x4000
    }

    It 'fails as VMWRITE does on a read-only field and an unknown one' {
        $lab = New-VirtLab -Yaml $CpuidLab
        $null = $lab | Start-Guest
        Set-Vmcs -Lab $lab -Name vm_exit_reason -Value 1 -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -Be 'VmcsFieldReadOnly,VirtLab.Cmdlets.SetVmcsCommand'
        $e1[0].Exception.Message | Should -BeLike '*error 13*'
        Set-Vmcs -Lab $lab -Name guest_rop -Value 1 -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].Exception.Message | Should -BeLike "*did you mean 'guest_rip'*"
    }

    It 'says when the guest has not run in Hardware mode' {
        $lab = New-VirtLab $HelloYaml
        Get-Vmcs -Lab $lab -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NoVmcs,VirtLab.Cmdlets.GetVmcsCommand'
        $e[0].Exception.Message | Should -BeLike "*has no VMCS*-Mode Hardware*"
    }

    It 'completes field names' {
        $c = TabExpansion2 -inputScript 'Get-Vmcs -Name guest_cr' -cursorColumn 'Get-Vmcs -Name guest_cr'.Length
        $c.CompletionMatches.CompletionText | Should -Be @('guest_cr0', 'guest_cr3', 'guest_cr4')
    }
}
