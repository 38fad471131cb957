#!/usr/bin/env pwsh
# VirtLab build entry point. Tasks: Build, Test, Demo, Bench (see README.md).
#   dotnet tool restore && dotnet pwsh -NoProfile -File build.ps1 Test
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench')] [string]$Task = 'Build',
    [string]$Configuration = 'Release'
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false   # exit codes are checked explicitly
. (Join-Path $PSScriptRoot 'tools/Common.ps1')

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleBin = Join-Path $Root 'Module/bin'

function Invoke-Build([string]$Config) {
    Invoke-Native dotnet @('build', (Join-Path $Root 'VirtLab.slnx'), '-c', $Config, '-nologo')
    # A class library's build output lacks its package dependencies (Iced.dll); publish has them.
    # Publishing the cmdlets brings the engine and every package it uses along.
    Invoke-Native dotnet @('publish', (Join-Path $Root 'Cmdlets/VirtLab.Cmdlets.csproj'), '-c', $Config, '--no-build', '-nologo', '-o', $ModuleBin)
    foreach ($dll in 'VirtLab.Cmdlets.dll', 'VirtLab.Engine.dll', 'Iced.dll') {
        if (-not (Test-Path (Join-Path $ModuleBin $dll))) { throw "Module/bin/$dll is missing after the build." }
    }
    # MAML help from the cmdlets' doc comments and parameter metadata, beside the cmdlet assembly.
    Invoke-Pwsh (Join-Path $Root 'tools/New-VirtLabHelp.ps1') @('-Manifest', (Join-Path $Root 'VirtLab.psd1'),
        '-DocFile', (Join-Path $ModuleBin 'VirtLab.Cmdlets.xml'), '-OutputPath', (Join-Path $ModuleBin 'en-US/VirtLab.Cmdlets.dll-Help.xml'))
}

function Read-TrxCounters([string]$Path) {
    # Counts come from the TRX file's <Counters> element, never from console text. A skipped
    # xunit test is counted in 'total' but not in 'executed'.
    if (-not (Test-Path $Path)) { return $null }
    $xml = [xml](Get-Content -Raw -LiteralPath $Path)
    $c = $xml.SelectSingleNode("//*[local-name()='ResultSummary']/*[local-name()='Counters']")
    if ($null -eq $c) { return $null }
    $n = { param($name) [int]$c.GetAttribute($name) }
    [pscustomobject]@{
        Total   = & $n 'total'
        Passed  = & $n 'passed'
        Failed  = (& $n 'failed') + (& $n 'error') + (& $n 'timeout') + (& $n 'aborted')
        Skipped = (& $n 'total') - (& $n 'executed')
    }
}

function Invoke-XunitTests([string]$Config, [string]$ResultsDir) {
    $project = Join-Path $Root 'Tests/Engine.Tests/VirtLab.Engine.Tests.csproj'
    & dotnet test $project -c $Config --no-build --nologo --logger 'trx;LogFileName=engine.trx' --results-directory $ResultsDir | Out-Host
    $exit = $LASTEXITCODE
    $counters = Read-TrxCounters (Join-Path $ResultsDir 'engine.trx')
    if ($null -eq $counters -or $counters.Total -eq 0) {
        Write-Host "xunit: the runner produced no results (dotnet test exit code $exit)."
        return $null
    }
    if ($exit -ne 0 -and $counters.Failed -eq 0) {
        Write-Host "xunit: dotnet test exited with code $exit but recorded no failed test: the run crashed."
        return $null
    }
    Write-Host "xunit: $($counters.Passed) passed, $($counters.Failed) failed, $($counters.Skipped) skipped"
    return $counters
}

function Invoke-PesterTests {
    Invoke-Native dotnet @('restore', (Join-Path $Root 'Tests/PesterRestore/PesterRestore.csproj'), '-nologo')
    $line = @(& dotnet nuget locals global-packages --list) -match '^global-packages:' | Select-Object -First 1
    if (-not $line) { throw 'Could not find the NuGet global-packages folder.' }
    $pesterManifest = Join-Path ($line -replace '^global-packages:\s*', '').Trim() 'pester/5.7.1/tools/Pester.psd1'
    Import-Module $pesterManifest -Force
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $Root 'Tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Normal'
    try { $r = Invoke-Pester -Configuration $config }
    catch { Write-Host "pester: the run crashed: $_"; return $null }
    if ($null -eq $r -or $r.TotalCount -eq 0) { Write-Host 'pester: the runner produced no results.'; return $null }
    # A test file that could not run counts as one failure. A failing BeforeAll already fails its
    # tests; a failing AfterAll fails no test, so it counts when nothing else failed.
    $failed = $r.FailedCount + $r.FailedContainersCount
    if ($failed -eq 0) { $failed = $r.FailedBlocksCount }
    Write-Host "pester: $($r.PassedCount) passed, $failed failed, $($r.SkippedCount) skipped"
    [pscustomobject]@{ Passed = $r.PassedCount; Failed = $failed; Skipped = $r.SkippedCount }
}

function Invoke-Test([string]$Config) {
    Invoke-Build $Config
    $guestHook = Join-Path $Root 'Tests/Guests/Build-Guests.ps1'
    if (Test-Path $guestHook) { & $guestHook }
    $resultsDir = Join-Path $Out 'test-results'
    if (Test-Path $resultsDir) { Remove-Item -Recurse -Force $resultsDir }

    $xunit = Invoke-XunitTests $Config $resultsDir
    $pester = Invoke-PesterTests
    $runs = @($xunit, $pester) | Where-Object { $null -ne $_ }
    $passed = ($runs | Measure-Object -Property Passed -Sum).Sum
    $failed = ($runs | Measure-Object -Property Failed -Sum).Sum
    $skipped = ($runs | Measure-Object -Property Skipped -Sum).Sum
    $summary = "$([int]$passed) passed, $([int]$failed) failed"
    if ($skipped -gt 0) { $summary += ", $([int]$skipped) skipped" }
    Write-Host $summary   # must stay the last line of the run
    if ($failed -gt 0 -or $null -eq $xunit -or $null -eq $pester) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build $Configuration }
    'Test'  { Invoke-Test $Configuration }
    'Demo'  { Invoke-Build $Configuration; & (Join-Path $Root 'tools/Invoke-Demo.ps1') -Root $Root }
    'Bench' { Invoke-Build 'Release'; & (Join-Path $Root 'tools/Invoke-Bench.ps1') -Root $Root }
}
exit 0
