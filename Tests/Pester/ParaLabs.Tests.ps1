# The paravirtualization sample labs (Labs/para-*.yaml) through the module: New-VirtLab |
# Start-Guest -Mode Para, then their hypercalls with Get-VmExit. Hypercall numbers and errno
# values come from ../shared/reference/xen-pv.md.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $Manifest -Force -ErrorAction Stop
    $script:LabsDir = Join-Path $RepoRoot 'Labs'
    function Start-ParaLab([string]$Name) { New-VirtLab (Join-Path $LabsDir "$Name.yaml") | Start-Guest -Mode Para }
}
AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }

Describe 'para-hypercalls' {
    BeforeAll { $script:run = Start-ParaLab 'para-hypercalls' }

    It 'prints through console_io and stops on sched_op shutdown' {
        $run.Mode | Should -Be 'Para'
        $run.StopReason | Should -Be 'MonitorStop'
        $run.ConsoleText | Should -BeExactly "hello from ring 1`nand again through the hypercall page`nXenVMMXenVMM`n"
    }

    It 'records each hypercall with its Xen name, number and result' {
        $calls = @($run | Get-VmExit -Kind Hypercall)
        $calls.Reason | Should -Be @('console_io', 'console_io', 'xen_version', 'console_io', 'physdev_op', 'sched_op')
        $calls.ReasonNumber | Should -Be @(18, 18, 17, 18, 33, 29)
        $calls[2].Fields['result'] | Should -Be 0x30000
        $calls | ForEach-Object { $_.Cpl | Should -Be 1; $_.GuestCs | Should -Be 0xE019 }
    }

    It 'shows the emulated OUT and the Xen CPUID as traps' {
        $traps = @($run | Get-VmExit -Kind Trap)
        $traps.Reason | Should -Be @('invalid_op', 'general_protection')
        $traps[1].Fields['port'] | Should -Be 0xE9
    }

    It 'charges the hypercalls and traps in the cycles' {
        $exitCycles = ($run.Exits | Measure-Object Cycles -Sum).Sum
        $lab = New-VirtLab (Join-Path $LabsDir 'para-hypercalls.yaml')
        $again = $lab | Start-Guest -Mode Para
        $xen = $lab.Guests[0].Monitor.HypervisorInstructions
        $xen | Should -BeGreaterThan 0
        $again.SimulatedCycles | Should -Be ($again.InstructionsRetired - $xen + $exitCycles)
        ($run | Get-VmExit -Reason console_io -First 1).Cycles | Should -Be ([VirtLab.Engine.Vmm.Para.ParaCosts]::Hypercall)
    }

    It 'passes its expectations' {
        @(New-VirtLab (Join-Path $LabsDir 'para-hypercalls.yaml') | Test-VirtLab | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty
    }
}

Describe 'para-page-tables' {
    BeforeAll { $script:run = Start-ParaLab 'para-page-tables' }

    It 'builds, links and pins a page table through mmu_update and mmuext_op' {
        $run.ConsoleText | Should -BeExactly "ok`nok`nok`nPV!`nrefused -16`npage fault: the page directory is read-only`n"
        $mmu = @($run | Get-VmExit -Reason mmu_update)
        $mmu.Count | Should -Be 3
        $mmu | ForEach-Object { $_.ReasonNumber | Should -Be 1 }
        $mmu[0..1] | ForEach-Object { $_.Fields['result'] | Should -Be 0 }
        ($run | Get-VmExit -Reason mmuext_op).Fields['result'] | Should -Be 0
    }

    It 'sees Xen refuse a writable mapping of a page table with -EBUSY' {
        $refused = @($run | Get-VmExit -Reason mmu_update)[2]
        $refused.Fields['result'] | Should -Be -16
        $refused.Fields['done'] | Should -Be 0
    }

    It 'takes a page fault writing its page directory directly' {
        $pf = $run | Get-VmExit -Reason page_fault
        $pf.Fields['error-code'] | Should -Be 3
        $pf.Action | Should -BeLike 'reflected to the guest*'
    }
}

Describe 'para-events' {
    BeforeAll { $script:run = Start-ParaLab 'para-events' }

    It 'gets three timer events through the event callback' {
        $run.ConsoleText | Should -BeExactly "a tick is pending behind the virtual cli`ntick 1`ntick 2`ntick 3`n"
        @($run | Get-VmExit -Reason event_callback).Count | Should -Be 3
        @($run | Get-VmExit -Reason set_timer_op).Count | Should -Be 3
    }

    It 'binds VIRQ_TIMER to port 1 and blocks between ticks' {
        $bind = $run | Get-VmExit -Reason event_channel_op
        $bind.Fields['cmd'] | Should -Be 1
        $bind.Fields['port'] | Should -Be 1
        $blocks = @($run | Get-VmExit -Reason sched_op | Where-Object { $_.Fields['cmd'] -eq 1 })
        $blocks.Count | Should -Be 2
    }

    It 'delivers the first tick only after the virtual sti, on the way out of a hypercall' {
        $all = @($run | Get-VmExit)
        $first = [array]::FindIndex($all, [Predicate[object]] { param($e) $e.Reason -eq 'event_callback' })
        $all[$first - 1].Reason | Should -Be 'xen_version'
    }

    It 'returns from each event with the iret hypercall' {
        @($run | Get-VmExit -Reason iret).Count | Should -Be 3
    }
}

Describe 'Start-Guest -Mode Para on a guest without a para section' {
    It 'runs it with the default settings (Xen keeps the top 64 KiB of RAM)' {
        $yaml = @'
name: bare
guests:
  - name: k
    start: protected32
    memory:
      - {name: ram, base: 0, size: 1MiB, at: 0x10000, hex: "B8 11 00 00 00 CD 82 F4"}
'@
        $run = New-VirtLab -Yaml $yaml | Start-Guest -Mode Para -MaxInstructions 1000
        ($run | Get-VmExit -Kind Hypercall).Reason | Should -Be 'xen_version'
        ($run | Get-VmExit -Reason domain_crash).Action | Should -BeLike '*general_protection*hlt*'
    }
}

Describe 'para-kernel: a PV kernel and its native twin' {
    BeforeAll {
        $script:lab = New-VirtLab (Join-Path $LabsDir 'para-kernel.yaml')
        $script:pv = $lab | Start-Guest -Name pv -Mode Para
        $script:native = $lab | Start-Guest -Name native -Mode Native
    }

    It 'does the same work in both: the same ring-3 output and ticks' {
        $pvLines = $pv.ConsoleText -split "`n"
        $nativeLines = $native.ConsoleText -split "`n"
        $pvLines[0] | Should -Be 'pv kernel: ring 1'
        $nativeLines[0] | Should -Be 'native kernel: ring 0'
        $pvLines[1..4] | Should -Be $nativeLines[1..4]
        $pvLines[4] | Should -Be 'ring 3 saw 2 ticks'
        $pv.StopReason | Should -Be 'MonitorStop'
        $native.StopReason | Should -Be 'ExitPort'
    }

    It 'uses hypercalls where the native kernel uses privileged instructions' {
        ($pv | Get-VmExit -Reason set_trap_table).Fields['entries'] | Should -Be 3
        ($pv | Get-VmExit -Reason mmu_update).Fields['done'] | Should -Be 2
        ($pv | Get-VmExit -Reason mmuext_op).Fields['cmd'] | Should -Be 0
        @($pv | Get-VmExit -Reason software_interrupt).Count | Should -BeGreaterThan 2
        @($pv | Get-VmExit -Reason event_callback).Count | Should -Be 2
        @($native | Get-VmExit).Count | Should -Be 0
    }

    It 'costs more simulated cycles paravirtualized than natively' {
        $pv.SimulatedCycles | Should -BeGreaterThan $native.SimulatedCycles
        $native.SimulatedCycles | Should -Be $native.InstructionsRetired
    }
}

Describe 'para-bench' {
    It 'makes 20,000 console_io hypercalls, each charged ParaCosts.Hypercall' {
        $lab = New-VirtLab (Join-Path $LabsDir 'para-bench.yaml')
        $run = $lab | Start-Guest -Mode Para
        @($run | Get-VmExit -Reason console_io).Count | Should -Be 20000
        $cost = [VirtLab.Engine.Vmm.Para.ParaCosts]::Hypercall
        $guestInstructions = $run.InstructionsRetired - $lab.Guests[0].Monitor.HypervisorInstructions
        $run.SimulatedCycles | Should -Be ($guestInstructions + 20001 * $cost)
    }
}

Describe 'Restore-Guest under the paravirtual hypervisor' {
    It 'warns that the hypervisor''s own state is not in the checkpoint' {
        $lab = New-VirtLab (Join-Path $LabsDir 'para-hypercalls.yaml')
        $null = $lab | Start-Guest -Mode Para
        $cp = $lab.Guests[0] | Checkpoint-Guest
        $cp | Restore-Guest -WarningVariable w -WarningAction SilentlyContinue
        $w.Count | Should -Be 1
        "$($w[0])" | Should -BeLike '*paravirtual hypervisor*page types, event channels, timers*not part of a checkpoint*'
    }
}
