# Helpers shared by build.ps1 and the scripts in tools/. Dot-source this file.

function Invoke-Native {
    # Runs an external program and throws when it exits non-zero (the exit code is not an error record).
    param([Parameter(Mandatory)][string]$FilePath, [string[]]$ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host   # keep tool output out of the caller's return value
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' exited with code $LASTEXITCODE." }
}

function Get-GuestKind {
    # A guest source says what it is on its first line: '; virtlab: rom' (64 KiB BIOS-style ROM,
    # output .bin) or '; virtlab: boot' (flat image loaded at 0:7C00, output .img).
    param([Parameter(Mandatory)][string]$Source)
    $first = Get-Content -LiteralPath $Source -TotalCount 1
    if ($first -match '^\s*;\s*virtlab:\s*(rom|boot)\b') { return $Matches[1] }
    return $null
}

function Build-Guest {
    # Assembles one nasm guest source into $OutputDirectory and returns the output file's path.
    param([Parameter(Mandatory)][string]$Source, [Parameter(Mandatory)][string]$OutputDirectory)
    $kind = Get-GuestKind $Source
    if (-not $kind) { throw "$Source does not start with '; virtlab: rom' or '; virtlab: boot'." }
    $extension = if ($kind -eq 'rom') { '.bin' } else { '.img' }
    New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
    $output = Join-Path $OutputDirectory ([IO.Path]::GetFileNameWithoutExtension($Source) + $extension)
    # -i: %include finds files next to the source (nasm searches the working directory otherwise).
    $includeDir = [IO.Path]::GetDirectoryName([IO.Path]::GetFullPath($Source)) + [IO.Path]::DirectorySeparatorChar
    Invoke-Native nasm @('-f', 'bin', '-i', $includeDir, '-o', $output, $Source)
    return $output
}

function Get-PwshCommand {
    # The command line that starts another pwsh like this one: 'dotnet pwsh.dll' under the local
    # dotnet tool, or the pwsh executable itself.
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($process)
}

function Invoke-Pwsh {
    # Runs a script in a child pwsh (so the module it imports does not stay loaded here) and throws when it fails.
    param([Parameter(Mandatory)][string]$Script, [string[]]$ArgumentList = @())
    $pwsh = @(Get-PwshCommand)
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $Script) + $ArgumentList
    Invoke-Native $pwsh[0] $arguments
}
