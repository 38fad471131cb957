using VirtLab.Engine.Vmm.Hardware;

namespace VirtLab.Cmdlets;

/// <summary>Finds the VMCS of a guest or machine: the HardwareMonitor of its last Hardware-mode run.</summary>
internal static class HardwareTarget
{
    public static HardwareMonitor? Find(Engine.Labs.GuestInstance? guest, Engine.Machine machine) =>
        guest?.Monitor as HardwareMonitor ?? machine.Cpu.Monitor as HardwareMonitor;

    public static string Missing(string what) =>
        $"{what} has no VMCS: it has not run in Hardware mode since it was built or reset (Start-Guest -Mode Hardware).";
}
