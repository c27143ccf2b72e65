using System.Runtime.InteropServices;

namespace Dispatch.Cli.Run;

/// <summary>Whether two paths name the same file: the same real path, or (on Linux) the same device and inode, so symbolic and hard links are both seen through.</summary>
internal static class FileIdentity
{
    /// <summary>
    /// <see langword="true"/> when both paths exist and are one file. A path that does not exist is
    /// no other file.
    /// </summary>
    public static bool AreSame(string first, string second)
    {
        if (!File.Exists(first) || !File.Exists(second)) return false;
        if (string.Equals(RealPath(first), RealPath(second), StringComparison.Ordinal)) return true;
        return TryDeviceAndInode(first, out var a) && TryDeviceAndInode(second, out var b) && a == b;
    }

    /// <summary>The full path with its symbolic links (the file's and its directories') resolved.</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        var resolvedDirectory = directory is null ? null : Directory.ResolveLinkTarget(directory, returnFinalTarget: true)?.FullName ?? directory;
        var file = resolvedDirectory is null ? full : Path.Combine(resolvedDirectory, Path.GetFileName(full));
        return File.ResolveLinkTarget(file, returnFinalTarget: true)?.FullName ?? file;
    }

    /// <summary>
    /// The file's device and inode from <c>stat(2)</c>: on Linux (x64 and arm64) <c>struct stat</c>
    /// starts with <c>st_dev</c> and <c>st_ino</c>, 8 bytes each. Elsewhere the real path has to do.
    /// </summary>
    private static bool TryDeviceAndInode(string path, out (long Device, long Inode) identity)
    {
        identity = default;
        if (!OperatingSystem.IsLinux()) return false;
        var buffer = new byte[512];
        try
        {
            if (Stat(path, buffer) != 0) return false;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        identity = (BitConverter.ToInt64(buffer, 0), BitConverter.ToInt64(buffer, 8));
        return true;
    }

    [DllImport("libc", EntryPoint = "stat")]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer);
}
