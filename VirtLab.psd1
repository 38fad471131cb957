@{
    ModuleVersion        = '0.1.0'
    GUID                 = '19c8dc82-2214-47e9-8596-43b224047a6c'
    Author               = 'VirtLab contributors'
    Description          = 'VirtLab: an x86 emulator engine for PowerShell, for learning how binary translation, paravirtualization and hardware-assisted virtualization work. So far only the native engine is loaded; no cmdlets yet.'
    CompatiblePSEditions = 'Core'
    PowerShellVersion    = '7.6'
    # Built by build.ps1 (Build task), which puts the engine and Iced.dll into Module/bin.
    RequiredAssemblies   = 'Module/bin/VirtLab.Engine.dll'
    CmdletsToExport      = @()
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('x86', 'Emulator', 'Virtualization', 'BinaryTranslation', 'Paravirtualization', 'Xen', 'VTx')
        }
    }
}
