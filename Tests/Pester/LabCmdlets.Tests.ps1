# New-VirtLab, Start-Guest, Get-VmExit, Test-VirtLab, Assert-VmExit and Should -HaveVmExit, on
# the sample labs (whose guests also run in QEMU in the xunit suite) and on small labs written here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $Manifest -Force -ErrorAction Stop
    $script:LabsDir = Join-Path $RepoRoot 'Labs'
    $script:HelloYaml = Join-Path $LabsDir 'hello.yaml'
}
AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }

Describe 'New-VirtLab' {
    It 'loads a lab file given by -Path' {
        $lab = New-VirtLab -Path $HelloYaml
        $lab | Should -BeOfType ([VirtLab.Engine.Labs.Lab])
        $lab.Name | Should -Be 'hello'
        $lab.Guests.Name | Should -Be 'hello'
        $lab.Definition.SourcePath | Should -Be $HelloYaml
    }

    It 'expands wildcards in -Path' {
        $labs = @(New-VirtLab -Path (Join-Path $LabsDir '*.yaml'))
        $labs.Count | Should -Be @(Get-ChildItem (Join-Path $LabsDir '*.yaml')).Count
        $labs.Name | Should -Contain 'primes'
    }

    It 'takes files from the pipeline (Get-ChildItem binds -LiteralPath through PSPath)' {
        $labs = @(Get-ChildItem (Join-Path $LabsDir '*.yaml') | New-VirtLab)
        $labs.Count | Should -Be @(Get-ChildItem (Join-Path $LabsDir '*.yaml')).Count
    }

    It 'takes path strings from the pipeline' {
        $labs = @($HelloYaml, (Join-Path $LabsDir 'primes.yaml') | New-VirtLab)
        $labs.Name | Should -Be @('hello', 'primes')
    }

    It 'takes -LiteralPath without expanding wildcards' {
        $odd = Join-Path $TestDrive 'lab[1].yaml'
        Copy-Item -LiteralPath $HelloYaml -Destination $odd
        (New-VirtLab -LiteralPath $odd).Name | Should -Be 'hello'
    }

    It 'parses -Yaml text' {
        $lab = New-VirtLab -Yaml $LoopLabYaml
        $lab.Name | Should -Be 'loop'
        $lab.Guests[0].Definition.MaxInstructions | Should -Be 1000000000000
    }

    It 'wraps a ROM image with -Rom, started at the reset vector' {
        $rom = New-TestRom (Join-Path $LabsDir 'samples/hello.asm') $TestDrive
        $lab = New-VirtLab -Rom $rom
        $lab.Name | Should -Be 'hello'
        $run = $lab | Start-Guest
        $run.StopReason | Should -Be 'ExitPort'
        $run.ConsoleText | Should -BeExactly "Hello from VirtLab`n"
    }

    It 'wraps a flat image with -Image at -LoadAddress' {
        $img = Join-Path $TestDrive 'primes.img'
        & nasm -f bin -o $img (Join-Path $LabsDir 'samples/primes.asm')
        $run = New-VirtLab -Image $img -LoadAddress 0x7C00 -Name sieve | Start-Guest
        $run.Guest | Should -Be 'sieve'
        $run.ExitCode | Should -Be 0
        $run.ConsoleText | Should -Match '1229'
    }

    It 'writes a non-terminating PathNotFound error for a missing file and still loads the others' {
        $missing = Join-Path $TestDrive 'nope.yaml'
        $labs = @(New-VirtLab -Path $missing, $HelloYaml -ErrorVariable err -ErrorAction SilentlyContinue)
        $labs.Name | Should -Be 'hello'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,VirtLab.Cmdlets.NewVirtLabCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be $missing
    }

    It 'writes nothing for a wildcard that matches no file' {
        New-VirtLab -Path (Join-Path $TestDrive 'none-*.yaml') -ErrorVariable err | Should -BeNullOrEmpty
        $err.Count | Should -Be 0
    }

    It 'refuses a path outside the file system' {
        New-VirtLab -Path 'Env:PATH' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'NotFileSystemPath,VirtLab.Cmdlets.NewVirtLabCommand'
    }

    It 'refuses an -Image load address out of real mode''s reach' {
        $img = Join-Path $TestDrive 'tiny.img'
        [IO.File]::WriteAllBytes($img, [byte[]](0xF4))
        New-VirtLab -Image $img -LoadAddress 0x100000 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidImage,VirtLab.Cmdlets.NewVirtLabCommand'
        $err[0].Exception.Message | Should -BeLike '*0x100000 is above 1 MiB*'
    }

    It 'reports a missing -Rom file' {
        New-VirtLab -Rom (Join-Path $TestDrive 'none.bin') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,VirtLab.Cmdlets.NewVirtLabCommand'
    }

    It 'refuses a directory' {
        New-VirtLab -LiteralPath $TestDrive -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'PathIsDirectory,VirtLab.Cmdlets.NewVirtLabCommand'
    }

    It 'reports bad YAML at its file, line and column with the nearest valid key' {
        $bad = Join-Path $TestDrive 'bad.yaml'
        Set-Content -LiteralPath $bad -Value "name: bad`nguests:`n  - name: g`n    registrs: {}`n"
        New-VirtLab $bad -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidLab,VirtLab.Cmdlets.NewVirtLabCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $bad
        $err[0].Exception.Line | Should -Be 4
        $err[0].Exception.Column | Should -Be 5
        $err[0].Exception.Message | Should -BeLike "$($bad):4:5: *'registrs'*did you mean 'registers'*"
    }

    It 'names -Yaml errors after -Name' {
        New-VirtLab -Yaml "name: x`nguests: 3`n" -Name inline.yaml -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -BeLike 'inline.yaml:2:*'
    }

    It 'refuses a ROM of an impossible size' {
        $rom = Join-Path $TestDrive 'odd.bin'
        [IO.File]::WriteAllBytes($rom, [byte[]]::new(70000))
        New-VirtLab -Rom $rom -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidImage,VirtLab.Cmdlets.NewVirtLabCommand'
        $err[0].Exception.Message | Should -BeLike '*64 KiB or 128 KiB*70000 bytes*'
    }
}

Describe 'Start-Guest' {
    BeforeAll { $script:Hello = New-VirtLab $HelloYaml }

    It 'runs the hello lab to its exit port and reports the run' {
        $run = $Hello | Start-Guest
        $run | Should -BeOfType ([VirtLab.Engine.Labs.GuestRun])
        $run.Lab | Should -Be 'hello'
        $run.Guest | Should -Be 'hello'
        $run.Mode | Should -Be 'Native'
        $run.StopReason | Should -Be 'ExitPort'
        $run.ExitCode | Should -Be 0
        $run.Cancelled | Should -BeFalse
        $run.ConsoleText | Should -BeExactly "Hello from VirtLab`n"
        $run.Exits.Count | Should -Be 0
        $run.InstructionsRetired | Should -BeGreaterThan 0
        $run.SimulatedCycles | Should -Be $run.InstructionsRetired   # native: 1 cycle per instruction (costs.md)
        $run.HostTime | Should -BeGreaterThan ([TimeSpan]::Zero)
    }

    It 'runs a guest taken from the pipeline' {
        ($Hello.Guests | Start-Guest).StopReason | Should -Be 'ExitPort'
    }

    It 'selects guests by -Name and reports unknown ones without stopping' {
        $runs = @(Start-Guest -Lab $Hello -Name nobody, hello -ErrorVariable err -ErrorAction SilentlyContinue)
        $runs.Guest | Should -Be 'hello'
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtLab.Cmdlets.StartGuestCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -BeLike "*no guest 'nobody'*hello*"
    }

    It 'stops at -MaxInstructions' {
        $run = $Hello | Start-Guest -MaxInstructions 10
        $run.StopReason | Should -Be 'BudgetExhausted'
        $run.InstructionsRetired | Should -Be 10
    }

    It 'fails with a terminating NotImplemented error naming <_> mode, which is not built yet' -ForEach 'Full' {
        $e = { $Hello | Start-Guest -Mode $_ } | Should -Throw -ErrorId 'ModeNotAvailable,VirtLab.Cmdlets.StartGuestCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'NotImplemented'
        $e.TargetObject | Should -Be $_
        $e.Exception.Message | Should -BeLike "Mode $_ is not available yet*"
    }

    It 'rejects an unknown mode name at binding' {
        { $Hello | Start-Guest -Mode Turbo } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,VirtLab.Cmdlets.StartGuestCommand'
    }

    It 'does not run under -WhatIf' {
        $lab = New-VirtLab $HelloYaml
        $lab | Start-Guest -WhatIf
        $lab.Guests[0].LastRun | Should -BeNullOrEmpty
    }

    It 'returns the partial run with a warning after -TimeoutSec' {
        $loop = New-VirtLab -Yaml $LoopLabYaml
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $run = $loop | Start-Guest -TimeoutSec 0.5 -WarningVariable w -WarningAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $run.Cancelled | Should -BeTrue
        $run.InstructionsRetired | Should -BeGreaterThan 0
        $run.InstructionsRetired | Should -BeLessThan 1000000000000
        $w | Should -BeLike "*'spinner' stopped after 0.5 s*partial*"
    }

    It 'shows progress on a run longer than a second' {
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; New-VirtLab -Yaml `$args[0] | Start-Guest -TimeoutSec 1.6").AddArgument($LoopLabYaml)
            $out = $ps.Invoke()
            $out[0].Cancelled | Should -BeTrue
            $records = @($ps.Streams.Progress)
            $records.Count | Should -BeGreaterThan 0
            $records[0].Activity | Should -Be "Running guest 'spinner' (Native)"
            $records[0].StatusDescription | Should -Match 'instructions'
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }

    It 'shows no progress on a short run' {
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; New-VirtLab '$HelloYaml' | Start-Guest")
            $out = $ps.Invoke()
            $out[0].StopReason | Should -Be 'ExitPort'
            $ps.Streams.Progress.Count | Should -Be 0
        }
        finally { $ps.Dispose() }
    }

    It 'stops on Ctrl-C (PowerShell.Stop) and keeps the partial run on the guest' {
        $loop = New-VirtLab -Yaml $LoopLabYaml
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; Start-Guest -Lab `$args[0]").AddArgument($loop)
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $ps.InvocationStateInfo.State | Should -Be 'Running'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $run = $loop.Guests[0].LastRun
            $run | Should -Not -BeNullOrEmpty
            $run.Cancelled | Should -BeTrue
            $run.StopReason | Should -Be 'BudgetExhausted'
            $run.InstructionsRetired | Should -BeGreaterThan 1000000
            $run.InstructionsRetired | Should -BeLessThan 1000000000000
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Get-VmExit' {
    It 'returns nothing for a native run (no monitor, no exits)' {
        New-VirtLab $HelloYaml | Start-Guest | Get-VmExit | Should -BeNullOrEmpty
    }

    It 'returns the exits in order' {
        $run = New-SyntheticRun IoInstruction, Hlt, IoInstruction, Cpuid
        (Get-VmExit -Run $run).Index | Should -Be @(0, 1, 2, 3)
        ($run | Get-VmExit).Reason | Should -Be @('IoInstruction', 'Hlt', 'IoInstruction', 'Cpuid')
    }

    It 'filters by -Reason with wildcards, case-insensitively' {
        $run = New-SyntheticRun IoInstruction, Hlt, IoInstruction, Cpuid
        ($run | Get-VmExit -Reason io*).Index | Should -Be @(0, 2)
        ($run | Get-VmExit -Reason Hlt, Cpuid).Index | Should -Be @(1, 3)
    }

    It 'applies -Skip then -First to what -Reason selected' {
        $run = New-SyntheticRun IoInstruction, Hlt, IoInstruction, Cpuid, IoInstruction
        ($run | Get-VmExit -Reason IoInstruction -Skip 1 -First 1).Index | Should -Be 2
        ($run | Get-VmExit -First 0) | Should -BeNullOrEmpty
    }

    It 'filters by -Kind' {
        $run = New-SyntheticRun Cpuid
        $run | Get-VmExit -Kind Hypercall | Should -BeNullOrEmpty
        ($run | Get-VmExit -Kind VmExit).Reason | Should -Be 'Cpuid'
    }

    It 'counts exits by kind on the run (ExitsByKind)' {
        $run = New-SyntheticRun IoInstruction, Hlt
        $run.ExitsByKind['VmExit'] | Should -Be 2
        $run.ExitsByKind.Count | Should -Be 1
        (New-VirtLab $HelloYaml | Start-Guest).ExitsByKind.Count | Should -Be 0
    }

    It 'groups naturally by reason' {
        $groups = New-SyntheticRun IoInstruction, Hlt, IoInstruction | Get-VmExit | Group-Object Reason | Sort-Object Name
        $groups.Name | Should -Be @('Hlt', 'IoInstruction')
        ($groups | ForEach-Object Count) | Should -Be @(1, 2)
    }

    It 'rejects a negative -Skip' {
        { New-SyntheticRun | Get-VmExit -Skip -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,VirtLab.Cmdlets.GetVmExitCommand'
    }
}

Describe 'Test-VirtLab' {
    It 'passes every expectation of the sample lab <_>' -ForEach @(Get-ChildItem (Join-Path $PSScriptRoot '../../Labs/*.yaml') | ForEach-Object BaseName) {
        $results = @(New-VirtLab (Join-Path $LabsDir "$_.yaml") | Test-VirtLab)
        $results.Count | Should -BeGreaterThan 0
        $results | ForEach-Object { $_ | Should -BeOfType ([VirtLab.Engine.Labs.ExpectationResult]) }
        @($results | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty
    }

    It 'returns one $true with -Quiet when everything holds' {
        $r = @(Get-ChildItem (Join-Path $LabsDir '*.yaml') | New-VirtLab | Test-VirtLab -Quiet)
        $r.Count | Should -Be 1
        $r[0] | Should -BeTrue
    }

    It 'reports a failing expectation with what was expected and what the run showed' {
        $yaml = (Get-Content -Raw $HelloYaml) -replace 'console: "Hello from VirtLab\\n"', 'console: "Goodbye\n"'
        $results = @(New-VirtLab -Yaml $yaml | Test-VirtLab)
        $console = $results | Where-Object Name -eq 'console'
        $console.Passed | Should -BeFalse
        $console.Expected | Should -Be '"Goodbye\n"'
        $console.Actual | Should -Be '"Hello from VirtLab\n"'
        ($results | Where-Object Name -eq 'exit-code').Passed | Should -BeTrue
        New-VirtLab -Yaml $yaml | Test-VirtLab -Quiet | Should -BeFalse
    }

    It 'warns about a named guest without an expect section' {
        New-VirtLab -Yaml $LoopLabYaml | Test-VirtLab -Name spinner -WarningVariable w -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $w | Should -BeLike "*'spinner'*no expect section*"
    }

    It 'reports an unknown guest, and -Quiet then says $false' {
        $r = New-VirtLab $HelloYaml | Test-VirtLab -Name nobody -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $r | Should -BeFalse
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtLab.Cmdlets.TestVirtLabCommand'
    }

    It 'stops on Ctrl-C (PowerShell.Stop) without reporting a result for the partial run' {
        $yaml = $LoopLabYaml + "`n    expect:`n      stop: exit-port`n"
        $lab = New-VirtLab -Yaml $yaml
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; Test-VirtLab -Lab `$args[0]").AddArgument($lab)
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            Start-Sleep -Milliseconds 1000
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $output.Count | Should -Be 0
            $lab.Guests[0].LastRun.Cancelled | Should -BeTrue
        }
        finally { $ps.Dispose() }
    }

    It 'fails with ModeNotAvailable for a mode not built yet' {
        { New-VirtLab $HelloYaml | Test-VirtLab -Mode Full } | Should -Throw -ErrorId 'ModeNotAvailable,VirtLab.Cmdlets.TestVirtLabCommand'
    }
}

Describe 'Assert-VmExit' {
    It 'passes when the run has the exit, and returns the run with -PassThru' {
        $run = New-SyntheticRun IoInstruction, Hlt
        { $run | Assert-VmExit IoInstruction } | Should -Not -Throw
        $run | Assert-VmExit Hlt -PassThru | Should -Be $run
    }

    It 'counts exactly with -Times' {
        $run = New-SyntheticRun IoInstruction, Hlt, IoInstruction
        { $run | Assert-VmExit IoInstruction -Times 2 } | Should -Not -Throw
        $e = { $run | Assert-VmExit IoInstruction -Times 3 } | Should -Throw -ErrorId 'VmExitAssertionFailed,VirtLab.Cmdlets.AssertVmExitCommand' -PassThru
        $e.CategoryInfo.Category | Should -Be 'InvalidResult'
        $e.Exception.Message | Should -Be "Run of guest 'g' (Hardware): Expected 3 VM exit(s) with reason 'IoInstruction', but found 2 (exits: IoInstruction x2, Hlt x1)."
    }

    It 'fails on a native run, which has no exits' {
        $run = New-VirtLab $HelloYaml | Start-Guest
        { $run | Assert-VmExit IoInstruction } | Should -Throw "*found none (no exits at all)*"
        { $run | Assert-VmExit IoInstruction -Times 0 } | Should -Not -Throw
    }

    It 'inverts the check with -Not' {
        $run = New-SyntheticRun Hlt
        { $run | Assert-VmExit Cpuid -Not } | Should -Not -Throw
        { $run | Assert-VmExit Hlt -Not } | Should -Throw "*Expected no VM exit with reason 'Hlt', but found 1 exit*"
    }

    It 'requires a reason' {
        { New-SyntheticRun | Assert-VmExit '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,VirtLab.Cmdlets.AssertVmExitCommand'
    }
}

Describe 'Should -HaveVmExit' {
    BeforeAll { Register-VirtLabShouldOperator }

    It 'passes for a run with the exit and for exits from Get-VmExit' {
        $run = New-SyntheticRun IoInstruction, Hlt, IoInstruction
        $run | Should -HaveVmExit IoInstruction
        $run | Should -HaveVmExit IoInstruction -Times 2
        $run | Get-VmExit | Should -HaveVmExit Hlt -Times 1
        $run | Should -Not -HaveVmExit Cpuid
    }

    It 'fails with the assertion message and the because clause' {
        $run = New-SyntheticRun Hlt
        { $run | Should -HaveVmExit Cpuid -Because 'the guest runs CPUID' } | Should -Throw "*Expected a VM exit with reason 'Cpuid', but found none (exits: Hlt x1), because the guest runs CPUID*"
        { $run | Should -HaveVmExit Hlt -Times 2 } | Should -Throw "*Expected 2 VM exit(s) with reason 'Hlt', but found 1*"
    }

    It 'takes an empty list of exits (a native run through Get-VmExit)' {
        New-VirtLab $HelloYaml | Start-Guest | Get-VmExit | Should -HaveVmExit Hlt -Times 0
        { New-VirtLab $HelloYaml | Start-Guest | Get-VmExit | Should -HaveVmExit Hlt } | Should -Throw "*found none (no exits at all)*"
    }

    It 'refuses something that is neither a run nor exits' {
        { 'a string' | Should -HaveVmExit Hlt } | Should -Throw '*Expected a run from Start-Guest or exits from Get-VmExit, got a String*'
    }

    It 'is registered by Import-Module when Pester is already loaded' {
        $ps = [PowerShell]::Create()
        try {
            $pester = (Get-Module Pester).Path
            $null = $ps.AddScript("Import-Module '$pester'; Import-Module '$Manifest'; (Get-ShouldOperator).Name -contains 'HaveVmExit'")
            $ps.Invoke() | Should -BeTrue
            $ps.Streams.Error.Count | Should -Be 0
        }
        finally { $ps.Dispose() }
    }

    It 'says so when Register-VirtLabShouldOperator runs without Pester' {
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; if (Get-Module Pester) { throw 'Pester is loaded' }; Register-VirtLabShouldOperator")
            $null = $ps.Invoke()
            $ps.Streams.Error.Count | Should -Be 1
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -Be 'PesterNotLoaded,Register-VirtLabShouldOperator'
            $ps.Streams.Error[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $ps.Streams.Error[0].Exception.Message | Should -BeLike 'Pester 5 is not loaded*'
        }
        finally { $ps.Dispose() }
    }

    It 'registers again without complaint' {
        { Register-VirtLabShouldOperator } | Should -Not -Throw
    }
}
