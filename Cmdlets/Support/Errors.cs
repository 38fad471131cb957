using System.Management.Automation;

namespace VirtLab.Cmdlets;

/// <summary>Builds the <see cref="ErrorRecord"/>s the cmdlets write: one error id per failure, a category, the object it concerns.</summary>
internal static class Errors
{
    public static ErrorRecord Record(Exception exception, string errorId, ErrorCategory category, object? target) =>
        new(exception, errorId, category, target);

    public static ErrorRecord Argument(string message, string errorId, object? target) =>
        new(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target);

    public static ErrorRecord NotFound(string message, string errorId, object? target) =>
        new(new ItemNotFoundException(message), errorId, ErrorCategory.ObjectNotFound, target);

    public static ErrorRecord InvalidOperation(string message, string errorId, object? target) =>
        new(new InvalidOperationException(message), errorId, ErrorCategory.InvalidOperation, target);
}
