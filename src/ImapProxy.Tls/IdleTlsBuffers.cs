using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ImapProxy.Tls;

/// <summary>
/// Lets OpenSSL free a connection's record buffers whenever they are empty (<c>SSL_MODE_RELEASE_BUFFERS</c>,
/// SSL_CTX_set_mode(3); nginx, HAProxy and Dovecot set it): about 34 KiB per TLS connection, and a proxied session
/// has two, held for as long as a mail client sits in IDLE. .NET sets no such mode on Linux and has no API for it,
/// so this reaches the connection's <c>SSL*</c> through <see cref="SslStream"/>'s private security context, whose
/// handle is that pointer in .NET 10 on Linux. Anywhere else (another major runtime version, whose private state may
/// mean something else; not Linux; an OpenSSL other than 3.x) it does nothing and returns false: the buffers then
/// stay allocated, as they always did. The tests fail if it does not apply on the runtime we ship on.
/// </summary>
public static class IdleTlsBuffers
{
    private const int SslCtrlMode = 33;          // SSL_CTRL_MODE (ssl.h): SSL_set_mode is this SSL_ctrl
    private const int SslModeReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS (ssl.h)

    private static readonly FieldInfo? SecurityContext =
        typeof(SslStream).GetField("_securityContext", BindingFlags.NonPublic | BindingFlags.Instance);

    /// <summary>Whether this process can set the mode: .NET 10 on Linux with OpenSSL 3, and the field as it was read here.</summary>
    public static bool Supported { get; } = Environment.Version.Major == 10
                                            && SecurityContext?.FieldType.FullName == "System.Net.Security.SafeDeleteSslContext"
                                            && SecurityContext.FieldType.IsSubclassOf(typeof(SafeHandle)) && OpenSslMajor() == 3;

    /// <summary>Sets the mode on an authenticated stream, before anything reads or writes it; false when it could not.</summary>
    public static bool Release(SslStream ssl)
    {
        if (!Supported || !ssl.IsAuthenticated || SecurityContext!.GetValue(ssl) is not SafeHandle { IsInvalid: false, IsClosed: false } context) return false;
        var added = false;
        try
        {
            context.DangerousAddRef(ref added);
            var mode = SSL_ctrl(context.DangerousGetHandle(), SslCtrlMode, new CLong(SslModeReleaseBuffers), IntPtr.Zero);
            return (mode.Value & SslModeReleaseBuffers) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added) context.DangerousRelease();
        }
    }

    // OPENSSL_VERSION_NUMBER of the library .NET loaded: 0xMNN00PP0L, the major version in the top nibble.
    private static long OpenSslMajor()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            return SafeEvpPKeyHandle.OpenSslVersion >> 28;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            return 0;
        }
    }

    // The same libssl.so.3 .NET has loaded (one soname, one copy per process); SSL_ctrl returns the new mode.
    [DllImport("libssl.so.3")]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for one call with blittable arguments
    private static extern CLong SSL_ctrl(IntPtr ssl, int command, CLong argument, IntPtr pointer);
#pragma warning restore SYSLIB1054
}
