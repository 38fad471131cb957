# Times VM exits handled by a PowerShell scriptblock: a CPUID loop under -Mode Hardware with
# -ExitHandler @{ Cpuid = { $_.Skip() } }. Prints figures; never asserts.
param([Parameter(Mandatory)][string]$Root, [int]$Iterations = 200000)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'VirtLab.psd1')
$yaml = @"
name: cpuid-loop
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
              mov esi, $Iterations
          next:
              xor eax, eax
              cpuid
              dec esi
              jnz next
              hlt
"@
$lab = New-VirtLab -Yaml $yaml
$null = $lab | Start-Guest -MaxInstructions 1000 -ExitHandler @{ Cpuid = { $_.Skip() } }   # warm up
$watch = [Diagnostics.Stopwatch]::StartNew()
$run = $lab | Start-Guest -ExitHandler @{ Cpuid = { $_.Skip() } }
$watch.Stop()
$exits = @($run.Exits | Where-Object Reason -eq 'Cpuid').Count
$inv = [Globalization.CultureInfo]::InvariantCulture
Write-Host ([string]::Format($inv, 'scriptblock handler: {0} CPUID exits in {1:F3} s (run time {2:F3} s)', $exits, $watch.Elapsed.TotalSeconds, $run.HostTime.TotalSeconds))
Write-Host ([string]::Format($inv, 'scriptblock exits per second: {0:F0} (the issue asks for at least 100,000)', $exits / $run.HostTime.TotalSeconds))
