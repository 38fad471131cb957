# Runs every sample guest natively and prints its console output and run statistics.
# Called by `build.ps1 Demo` after the build has put the engine into Module/bin.
# Samples: Labs/samples/*.asm (assembled with nasm into out/samples when nasm is on PATH), plus
# any prebuilt Labs/samples/*.bin (64 KiB ROMs) and Labs/samples/*.img (boot images at 0:7C00).
param(
    [Parameter(Mandatory)][string]$Root,
    [long]$Budget = 100000000
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false
. (Join-Path $PSScriptRoot 'Common.ps1')

$samples = Join-Path $Root 'Labs/samples'
$built = Join-Path $Root 'out/samples'

$sources = @(if (Test-Path $samples) { Get-ChildItem -LiteralPath $samples -Filter *.asm -File })
if ($sources.Count -gt 0) {
    if (Get-Command nasm -ErrorAction SilentlyContinue) {
        foreach ($s in $sources) {
            if (Get-GuestKind $s.FullName) { Build-Guest $s.FullName $built | Out-Null }
            else { Write-Host "skipping $($s.Name): its first line is neither '; virtlab: rom' nor '; virtlab: boot'" }
        }
    }
    else { Write-Host "nasm is not on PATH: not assembling the $($sources.Count) sample source(s) in Labs/samples." }
}

$images = @(foreach ($dir in $samples, $built) {
    if (Test-Path $dir) { Get-ChildItem -LiteralPath $dir -File | Where-Object Extension -in '.bin', '.img' }
})
if ($images.Count -eq 0) {
    Write-Host 'No sample guest images found (Labs/samples/*.bin, Labs/samples/*.img, or assembled from Labs/samples/*.asm).'
    return
}

Add-Type -Path (Join-Path $Root 'Module/bin/VirtLab.Engine.dll')
$crashed = 0
foreach ($image in $images) {
    $kind = if ($image.Extension -eq '.bin') { 'ROM' } else { 'boot image at 0:7C00' }
    Write-Host ''
    Write-Host "=== $([IO.Path]::GetRelativePath($Root, $image.FullName)) ($kind, budget $Budget instructions)"
    try {
        $machine = [VirtLab.Engine.Machine]::new()
        $bytes = [IO.File]::ReadAllBytes($image.FullName)
        if ($image.Extension -eq '.bin') { $machine.LoadRom($bytes) } else { $machine.LoadFlatImage($bytes, 0x7C00) }
        $r = $machine.Run($Budget)
    }
    catch {
        Write-Host "engine error: $($_.Exception.GetBaseException().Message)"
        $crashed++
        continue
    }
    Write-Host '--- console output ---'
    Write-Host -NoNewline $r.ConsoleText
    if ($r.ConsoleText.Length -gt 0 -and -not $r.ConsoleText.EndsWith("`n")) { Write-Host '' }
    Write-Host '--- run statistics ---'
    $exitCode = if ($null -eq $r.ExitCode) { 'none' } else { $r.ExitCode }
    $post = if ($r.PostCodes.Count -eq 0) { 'none' } else { ($r.PostCodes | ForEach-Object { '0x{0:X2}' -f $_ }) -join ' ' }
    Write-Host "stop reason:          $($r.StopReason)"
    Write-Host "exit code:            $exitCode"
    Write-Host "instructions retired: $($r.InstructionsRetired)"
    Write-Host ("elapsed:              {0:F3} s" -f $r.Elapsed.TotalSeconds)
    Write-Host ("MIPS:                 {0:F1}" -f $r.Mips)
    Write-Host "POST codes:           $post"
}
if ($crashed -gt 0) { throw "$crashed sample guest(s) made the engine throw." }
