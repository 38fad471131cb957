# Runs every sample lab (Labs/*.yaml) through the VirtLab module and shows each guest's console
# output, run statistics, VM exits and expectation results.
# Called by `build.ps1 Demo` after the build has filled Module/bin.
param([Parameter(Mandatory)][string]$Root)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $Root 'VirtLab.psd1') -Force
$files = @(Get-ChildItem -LiteralPath (Join-Path $Root 'Labs') -Filter *.yaml -File | Sort-Object Name)
if ($files.Count -eq 0) { Write-Host 'No sample labs found (Labs/*.yaml).'; return }
$inv = [Globalization.CultureInfo]::InvariantCulture
$failed = 0
foreach ($file in $files) {
    $lab = New-VirtLab -LiteralPath $file.FullName
    Write-Host ''
    Write-Host "=== Labs/$($file.Name): $($lab.Name)$(if ($lab.Definition.Description) { " - $($lab.Definition.Description)" })"
    foreach ($guest in $lab.Guests) {
        $run = $guest | Start-Guest
        Write-Host "--- guest '$($guest.Name)' ($($run.Mode)): console output ---"
        Write-Host -NoNewline $run.ConsoleText
        if ($run.ConsoleText.Length -gt 0 -and -not $run.ConsoleText.EndsWith("`n")) { Write-Host '' }
        Write-Host '--- run ---'
        $exitCode = if ($null -eq $run.ExitCode) { 'none' } else { $run.ExitCode }
        $post = if ($run.PostCodes.Count -eq 0) { 'none' } else { ($run.PostCodes | ForEach-Object { '0x{0:X2}' -f $_ }) -join ' ' }
        Write-Host "stop reason:          $($run.StopReason)"
        Write-Host "exit code:            $exitCode"
        Write-Host "instructions retired: $($run.InstructionsRetired)"
        Write-Host "simulated cycles:     $($run.SimulatedCycles)"
        Write-Host ([string]::Format($inv, 'host time:            {0:F3} s ({1:F1} MIPS)', $run.HostTime.TotalSeconds, $run.Mips))
        Write-Host "POST codes:           $post"
        Write-Host '--- VM exits ---'
        $exits = @($run | Get-VmExit)
        if ($exits.Count -eq 0) { Write-Host "none ($($run.Mode) mode$(if ($run.Mode -eq 'Native') { ': no monitor runs beside the guest' }))" }
        else {
            $run | Get-VmExit | Group-Object Reason | Sort-Object Count -Descending | Format-Table Count, Name -AutoSize | Out-String | Write-Host
            $run | Get-VmExit -First 20 | Format-Table | Out-String | Write-Host
        }
        if ($guest.Definition.Expect) {
            Write-Host '--- expectations ---'
            $results = @($lab | Test-VirtLab -Name $guest.Name)
            foreach ($r in $results) { Write-Host ("{0,-4} {1,-16} expected {2}, got {3}" -f $(if ($r.Passed) { 'ok' } else { 'FAIL' }), $r.Name, $r.Expected, $r.Actual) }
            $failed += @($results | Where-Object { -not $_.Passed }).Count
        }
    }
}
Remove-Module VirtLab
if ($failed -gt 0) { throw "$failed expectation(s) of the sample labs failed." }
