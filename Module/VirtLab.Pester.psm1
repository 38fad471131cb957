# Pester support for VirtLab: the Should operator -HaveVmExit. The manifest loads this script as a
# nested module. When Pester 5 is already loaded at import, the operator is registered at once;
# otherwise call Register-VirtLabShouldOperator after Import-Module Pester. Registering twice is
# harmless (Pester ignores an identical operator).
Set-StrictMode -Version Latest

function Register-VirtLabShouldOperator {
    <#
    .SYNOPSIS
    Registers the Pester operator Should -HaveVmExit.
    .DESCRIPTION
    Adds the Pester 5 Should operator -HaveVmExit (Add-ShouldOperator), which checks that a run
    (from Start-Guest) or a list of exits (from Get-VmExit) holds an exit with the given reason,
    exactly -Times times when -Times is given. VirtLab registers it on import when Pester is
    already loaded; call this after importing Pester otherwise.
    .EXAMPLE
    Import-Module Pester; Import-Module ./VirtLab.psd1; Register-VirtLabShouldOperator
    $run | Should -HaveVmExit IoInstruction -Times 2
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param()
    if (-not (Get-Command Add-ShouldOperator -ErrorAction SilentlyContinue)) {
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new(
            [System.InvalidOperationException]::new('Pester 5 is not loaded: Import-Module Pester first, then call Register-VirtLabShouldOperator.'),
            'PesterNotLoaded', [System.Management.Automation.ErrorCategory]::ObjectNotFound, 'Pester'))
    }
    Add-ShouldOperator -Name HaveVmExit -SupportsArrayInput -InternalName 'Should-HaveVmExit' -Test {
        param($ActualValue, [string]$ExpectedValue, [Nullable[int]]$Times, [switch]$Negate, [string]$Because)
        # The check is the same one Assert-VmExit makes; it lives in the cmdlet assembly.
        $failure = [VirtLab.Cmdlets.VmExitAssertion]::Check($ActualValue, $ExpectedValue, $Times, $Negate.IsPresent)
        $message = if ($null -eq $failure) { $null } elseif ($Because) { "$($failure.TrimEnd('.')), because $Because" } else { $failure }
        [pscustomobject]@{ Succeeded = $null -eq $failure; FailureMessage = $message }
    }
}

if (Get-Command Add-ShouldOperator -ErrorAction SilentlyContinue) { Register-VirtLabShouldOperator }
Export-ModuleMember -Function Register-VirtLabShouldOperator
