namespace VirtLab.Engine.Vmm.Para;

/// <summary>Xen's errno values (xen/include/public/errno.h): hypercalls return them negated in EAX.</summary>
public static class XenErrno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EFAULT = 14, EBUSY = 16, EEXIST = 17, EINVAL = 22, ENOSYS = 38, ETIME = 62;

    /// <summary>The name of a (negative) result, e.g. -22 → "EINVAL"; empty for a non-negative one.</summary>
    public static string Name(int result) => -result switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EFAULT => "EFAULT", EBUSY => "EBUSY", EEXIST => "EEXIST",
        EINVAL => "EINVAL", ENOSYS => "ENOSYS", ETIME => "ETIME", _ => result < 0 ? $"errno {-result}" : "",
    };
}
