# What a user of the module sees besides the cmdlets' behaviour: exports, verbs, output types,
# help, format views and tab completion.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $Manifest -Force -ErrorAction Stop
    $script:Cmdlets = @(Get-Command -Module VirtLab -CommandType Cmdlet)
    $script:CommonParameters = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
        [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name
}
AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }

Describe 'Exports' {
    It 'exports exactly the cmdlets the manifest lists' {
        $listed = (Import-PowerShellDataFile $Manifest).CmdletsToExport
        ($Cmdlets.Name | Sort-Object) | Should -Be ($listed | Sort-Object)
        $listed.Count | Should -Be 17
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        $Cmdlets.Verb | ForEach-Object { $approved | Should -Contain $_ }
    }

    It 'declares an output type on <Name>' -ForEach @(Get-Command -Module VirtLab -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }) {
        (Get-Command $Name).OutputType.Count | Should -BeGreaterThan 0
    }

    It 'exports the Pester operator''s registration function' {
        Get-Command Register-VirtLabShouldOperator -Module VirtLab | Should -Not -BeNullOrEmpty
    }
}

Describe 'Help' {
    It '<Name> has a synopsis, a description, an example and a description for every parameter' -ForEach @(Get-Command -Module VirtLab -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } }) {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$Name *"   # without a help file Get-Help shows the syntax here
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        foreach ($ex in $help.examples.example) {
            $ex.code | Should -Not -BeNullOrEmpty
            ($ex.remarks.Text -join '') | Should -Not -BeNullOrEmpty
        }
        $params = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $CommonParameters }
        foreach ($p in $params) {
            $ph = $help.parameters.parameter | Where-Object name -eq $p
            $ph | Should -Not -BeNullOrEmpty -Because "-$p should be in the help"
            ($ph.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$p should be described"
        }
    }

    It 'has the about_VirtLab topic' {
        $about = Get-Help about_VirtLab | Out-String
        $about | Should -Match 'about_VirtLab'
        foreach ($c in $Cmdlets.Name) { $about | Should -Match ([regex]::Escape($c)) }
    }
}

Describe 'Format views' {
    It 'has a default table view for <_>' -ForEach @(
        'VirtLab.Engine.Labs.Lab', 'VirtLab.Engine.Labs.GuestInstance', 'VirtLab.Engine.Labs.GuestRun',
        'VirtLab.Engine.Vmm.VmExit', 'VirtLab.Engine.Labs.ExpectationResult', 'VirtLab.Cmdlets.GuestRegister',
        'VirtLab.Cmdlets.GuestMemoryRow', 'VirtLab.Cmdlets.GuestStep', 'VirtLab.Engine.Images.DisassemblyLine', 'VirtLab.Cmdlets.GuestCheckpoint',
        'VirtLab.Engine.Vmm.Hardware.VmcsFieldValue', 'VirtLab.Cmdlets.ScriptExitHandler') {
        $data = Get-FormatData -TypeName $_
        $data | Should -Not -BeNullOrEmpty
        $data.FormatViewDefinition[0].Control | Should -BeOfType ([System.Management.Automation.TableControl])
    }

    It 'covers every output type the cmdlets declare' {
        $declared = $Cmdlets.OutputType.Type | Where-Object { $_ -and $_ -notin [bool], [byte[]] } | ForEach-Object FullName | Sort-Object -Unique
        foreach ($t in $declared) { Get-FormatData -TypeName $t | Should -Not -BeNullOrEmpty -Because "$t is written by a cmdlet" }
    }

    It 'shows a run as one table row with its stop reason, exit code and console text' {
        $text = New-VirtLab (Join-Path $RepoRoot 'Labs/hello.yaml') | Start-Guest | Out-String -Width 200
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Guest\s+Mode\s+StopReason\s+Exit\s+Instructions\s+Exits\s+MIPS\s+Console'
        $lines[2] | Should -Match '^hello\s+Native\s+ExitPort\s+0\s+\d+\s+0\s+[\d.]+\s+Hello from VirtLab$'
    }

    It 'shows memory like Format-Hex: address, 16 hex columns, ASCII' {
        $m = [VirtLab.Engine.Machine]::new()
        $m | Write-GuestMemory 0x500 ([Text.Encoding]::ASCII.GetBytes('VirtLab!'))
        $text = $m | Read-GuestMemory 0x500 16 | Out-String -Width 120
        $text | Should -Match '00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F'
        $text | Should -Match '00000500 56 69 72 74 4C 61 62 21 00 00 00 00 00 00 00 00 VirtLab!\.{8}'
    }

    It 'shows exits with CS:EIP and the qualification in hex' {
        $run = New-SyntheticRun IoInstruction
        $text = $run | Get-VmExit | Out-String -Width 200
        $text | Should -Match 'IoInstruction'
        $text | Should -Match '0000:00007C00'
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:lab = New-VirtLab -Yaml @'
name: two
guests:
  - { name: alpha, start: real16, memory: [ { name: ram, base: 0, size: 64KiB, at: 0x7C00, asm: "hlt" } ] }
  - { name: beta, start: real16, memory: [ { name: ram, base: 0, size: 64KiB, at: 0x7C00, asm: "hlt" } ] }
'@
        $script:run = New-SyntheticRun IoInstruction, Hlt, Cpuid
        function Get-Completion([string]$Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
    }

    It 'completes guest names of the lab bound to -Lab' {
        Get-Completion 'Start-Guest -Lab $lab -Name ' | Should -Be @('alpha', 'beta')
        Get-Completion 'Start-Guest -Lab $lab -Name b' | Should -Be 'beta'
        Get-Completion 'Get-GuestRegister -Lab $lab -GuestName a' | Should -Be 'alpha'
        Get-Completion 'Test-VirtLab -Lab $lab -Name ' | Should -Be @('alpha', 'beta')
    }

    It 'completes modes' {
        (Get-Completion 'Start-Guest -Mode ' | Sort-Object) | Should -Be @('Full', 'Hardware', 'Native', 'Para')
        Get-Completion 'Test-VirtLab -Mode P' | Should -Be 'Para'
    }

    It 'completes exit reasons from the run bound to -Run' {
        Get-Completion 'Get-VmExit -Run $run -Reason ' | Should -Be @('Cpuid', 'Hlt', 'IoInstruction')
        Get-Completion 'Get-VmExit -Run $run -Reason h' | Should -Be 'Hlt'
        Get-Completion 'Assert-VmExit -Run $run -Reason I' | Should -Be 'IoInstruction'
    }

    It 'completes register names' {
        Get-Completion 'Get-GuestRegister -Name CR' | Should -Be @('CR0', 'CR2', 'CR3', 'CR4')
        Get-Completion 'Set-GuestRegister -Name ea' | Should -Be 'EAX'
    }
}
