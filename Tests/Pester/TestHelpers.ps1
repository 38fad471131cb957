# Shared by the VirtLab Pester tests: dot-source in BeforeAll.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:Manifest = Join-Path $RepoRoot 'VirtLab.psd1'

function New-TestRom {
    # Assembles a nasm guest source into a ROM image and returns its path.
    param([Parameter(Mandatory)][string]$Source, [Parameter(Mandatory)][string]$Directory)
    $out = Join-Path $Directory ([IO.Path]::GetFileNameWithoutExtension($Source) + '.bin')
    & nasm -f bin -o $out $Source
    if ($LASTEXITCODE -ne 0) { throw "nasm exited with code $LASTEXITCODE on $Source" }
    $out
}

function Get-NdisasmListing {
    # ndisasm (nasm's disassembler, which we did not write): one object per instruction with its
    # address and bytes, for comparing instruction boundaries.
    param([Parameter(Mandatory)][string]$Path, [int]$Bits = 16, [uint32]$Start = 0, [uint32]$Origin = 0)
    & ndisasm -b $Bits -e $Start -o $Origin $Path | ForEach-Object {
        if ($_ -match '^([0-9A-F]{8})\s+([0-9A-F]+)\s+(.*)$') {
            [pscustomobject]@{ Address = [Convert]::ToUInt32($Matches[1], 16); Bytes = $Matches[2]; Text = $Matches[3] }
        }
    }
}

function New-HelloMachine {
    # A machine with the hello ROM mapped, at the reset vector.
    param([Parameter(Mandatory)][string]$Rom)
    $m = [VirtLab.Engine.Machine]::new()
    $m.LoadRom([IO.File]::ReadAllBytes($Rom))
    $m
}

function New-SyntheticRun {
    # A run holding the given exit reasons, in order, for the cmdlets that filter and assert on
    # exits (no technique produces exits yet: Native runs have none).
    param([string[]]$Reason = @(), [string]$Guest = 'g')
    $i = 0
    $exits = [VirtLab.Engine.Vmm.VmExit[]]@(foreach ($r in $Reason) {
        [VirtLab.Engine.Vmm.VmExit]@{ Index = $i; Reason = $r; Kind = 'VmExit'; Mode = 'Hardware'; GuestEip = 0x7C00 + $i; Cycles = 100 }
        $i++
    })
    [VirtLab.Engine.Labs.GuestRun]@{ Lab = 'synthetic'; Guest = $Guest; Mode = 'Hardware'; Exits = $exits }
}

# A guest that never stops by itself: 'jmp $' in real mode, with a budget far beyond any test's patience.
$script:LoopLabYaml = @'
name: loop
description: A guest that spins until its budget or the user stops it.
guests:
  - name: spinner
    start: real16
    max-instructions: 1000000000000
    memory:
      - name: ram
        base: 0
        size: 64KiB
        at: 0x7C00
        asm: |
          spin:
              jmp spin
'@
