# Prints how long Import-Module VirtLab takes in a fresh pwsh and how long a small lab (Labs/hello.yaml)
# takes end to end (New-VirtLab + Start-Guest), first and warm. Called by tools/Invoke-Bench.ps1 in a
# child pwsh so the import is a cold one. It prints; it never asserts.
param([Parameter(Mandatory)][string]$Root)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$inv = [Globalization.CultureInfo]::InvariantCulture
$import = Measure-Command { Import-Module (Join-Path $Root 'VirtLab.psd1') }
Write-Host ([string]::Format($inv, 'Import-Module VirtLab: {0:F3} s (the issue asks for under 0.5 s)', $import.TotalSeconds))
$lab = Join-Path $Root 'Labs/hello.yaml'
$first = Measure-Command { $script:run = New-VirtLab -LiteralPath $lab | Start-Guest }
Write-Host ([string]::Format($inv, 'hello lab end to end, first run: {0:F3} s (stop: {1}, {2} instructions; the issue asks for under 1 s)', $first.TotalSeconds, $run.StopReason, $run.InstructionsRetired))
$warm = @(1..5 | ForEach-Object { (Measure-Command { $null = New-VirtLab -LiteralPath $lab | Start-Guest }).TotalSeconds } | Sort-Object)[0]
Write-Host ([string]::Format($inv, 'hello lab end to end, warm (best of 5): {0:F3} s', $warm))
