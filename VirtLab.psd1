@{
    ModuleVersion        = '0.1.0'
    GUID                 = '19c8dc82-2214-47e9-8596-43b224047a6c'
    Author               = 'VirtLab contributors'
    Description          = 'VirtLab: an x86 emulator engine for PowerShell, for learning how binary translation, paravirtualization and hardware-assisted virtualization work. Labs are YAML files; cmdlets run their guests, show their VM exits and check what a correct run shows.'
    CompatiblePSEditions = 'Core'
    PowerShellVersion    = '7.6'
    # Built by build.ps1 (Build task), which publishes the cmdlets, the engine and their packages into
    # Module/bin and generates the cmdlets' MAML help into Module/bin/en-US. The cmdlet assembly is a
    # nested module (not RootModule) so that Get-Help finds that help file beside it.
    RequiredAssemblies   = 'Module/bin/VirtLab.Engine.dll'
    # Module/VirtLab.Pester.psm1 holds the Pester operator Should -HaveVmExit (see about_VirtLab).
    NestedModules        = @('Module/bin/VirtLab.Cmdlets.dll', 'Module/VirtLab.Pester.psm1')
    FormatsToProcess     = @('Module/VirtLab.format.ps1xml')
    TypesToProcess       = @('Module/VirtLab.types.ps1xml')
    CmdletsToExport      = @(
        'Assert-VmExit'
        'Checkpoint-Guest'
        'Get-GuestInstruction'
        'Get-GuestRegister'
        'Get-VmExit'
        'Get-Vmcs'
        'New-VirtLab'
        'Read-GuestMemory'
        'Register-VmExitHandler'
        'Restore-Guest'
        'Set-GuestRegister'
        'Set-Vmcs'
        'Start-Guest'
        'Step-Guest'
        'Test-VirtLab'
        'Unregister-VmExitHandler'
        'Write-GuestMemory'
    )
    FunctionsToExport    = @('Register-VirtLabShouldOperator')
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('x86', 'Emulator', 'Virtualization', 'BinaryTranslation', 'Paravirtualization', 'Xen', 'VTx')
        }
    }
}
