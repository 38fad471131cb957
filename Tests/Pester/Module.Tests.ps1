# Tests of the VirtLab module as PowerShell sees it. Run by `build.ps1 Test` after the build has
# filled Module/bin; needs nasm on PATH for the hello ROM.
BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Manifest = Join-Path $RepoRoot 'VirtLab.psd1'
    $script:EngineDll = Join-Path $RepoRoot 'Module/bin/VirtLab.Engine.dll'
}

Describe 'VirtLab.psd1' {
    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $info.Name | Should -Be 'VirtLab'
        $info.Version | Should -Be ([version]'0.1.0')
    }

    It 'loads the VirtLab.Engine assembly from Module/bin when imported' {
        Import-Module $Manifest -Force -ErrorAction Stop
        Get-Module VirtLab | Should -Not -BeNullOrEmpty
        $type = 'VirtLab.Engine.Machine' -as [type]
        $type | Should -Not -BeNullOrEmpty
        $type.Assembly.Location | Should -Be $EngineDll
    }

    AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }
}

Describe 'A Machine built from PowerShell' {
    BeforeAll {
        Import-Module $Manifest -Force -ErrorAction Stop
        $rom = Join-Path $TestDrive 'hello.bin'
        & nasm -f bin -o $rom (Join-Path $RepoRoot 'Labs/samples/hello.asm')
        if ($LASTEXITCODE -ne 0) { throw "nasm exited with code $LASTEXITCODE" }
        $machine = [VirtLab.Engine.Machine]::new()
        $machine.LoadRom([IO.File]::ReadAllBytes($rom))
        $script:Result = $machine.Run(1000000)
    }

    It 'runs the hello ROM until it writes exit code 0 to the exit port' {
        $Result.StopReason | Should -Be ([VirtLab.Engine.StopReason]::ExitPort)
        $Result.ExitCode | Should -Be 0
    }

    It 'prints the greeting on the debug console' {
        $Result.ConsoleText | Should -BeExactly "Hello from VirtLab`n"
    }

    AfterAll { Remove-Module VirtLab -ErrorAction SilentlyContinue }
}
