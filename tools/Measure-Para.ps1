# Times paravirtual hypercalls and compares the sample PV kernel with its native twin: a console_io
# loop (Labs/para-bench.yaml, 20,000 hypercalls) and Labs/para-kernel.yaml's two guests.
# Prints figures; never asserts.
param([Parameter(Mandatory)][string]$Root)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'VirtLab.psd1')
$inv = [Globalization.CultureInfo]::InvariantCulture

$bench = New-VirtLab (Join-Path $Root 'Labs/para-bench.yaml')
$null = $bench | Start-Guest   # warm up
$run = $bench | Start-Guest
$calls = @($run.Exits | Where-Object Reason -eq 'console_io').Count
Write-Host ([string]::Format($inv, 'console_io loop: {0} hypercalls in {1:F3} s: {2:F0} hypercalls per second', $calls, $run.HostTime.TotalSeconds, $calls / $run.HostTime.TotalSeconds))
Write-Host ([string]::Format($inv, 'simulated cycles: {0:N0} for {1:N0} guest instructions ({2:F0} cycles per hypercall round trip)', $run.SimulatedCycles, $run.InstructionsRetired, ($run.SimulatedCycles - $run.InstructionsRetired) / [Math]::Max(1, $calls)))

$kernel = New-VirtLab (Join-Path $Root 'Labs/para-kernel.yaml')
$pv = $kernel | Start-Guest -Name pv
$native = $kernel | Start-Guest -Name native -Mode Native
Write-Host ([string]::Format($inv, 'PV kernel (Para):      {0,10:N0} simulated cycles, {1,8:N0} instructions, {2,5} exits',
    $pv.SimulatedCycles, $pv.InstructionsRetired, $pv.Exits.Count))
Write-Host ([string]::Format($inv, 'native twin (Native):  {0,10:N0} simulated cycles, {1,8:N0} instructions, {2,5} exits',
    $native.SimulatedCycles, $native.InstructionsRetired, $native.Exits.Count))
Write-Host ([string]::Format($inv, 'Para / Native cycles: {0:F2}', $pv.SimulatedCycles / [Math]::Max(1, $native.SimulatedCycles)))
