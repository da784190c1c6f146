using System.Net;
using System.Net.Sockets;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Relay;

/// <summary>A listening socket and the kind of client leg it serves.</summary>
public sealed record BoundListener(Socket Socket, ListenerKind Kind)
{
    /// <summary>Read once at bind time: the socket may be closed later while pages still show it.</summary>
    public IPEndPoint EndPoint { get; } = (IPEndPoint)Socket.LocalEndPoint!;
}

/// <summary>
/// The proxy's listening sockets, bound before anything else starts so that a port in use is a one-line error
/// at start-up rather than a failure in the background.
/// </summary>
public sealed class BoundListeners : IDisposable
{
    private BoundListeners(IReadOnlyList<BoundListener> listeners) => All = listeners;

    public IReadOnlyList<BoundListener> All { get; }

    /// <exception cref="ListenerException">A port cannot be used.</exception>
    public static BoundListeners Bind(ProxyOptions options)
    {
        var bound = new List<BoundListener>();
        try
        {
            foreach (var endPoint in options.Listen) bound.Add(new BoundListener(Listen(endPoint), ListenerKind.Plain));
            foreach (var endPoint in options.ListenTls) bound.Add(new BoundListener(Listen(endPoint), ListenerKind.Tls));
        }
        catch
        {
            foreach (var listener in bound) listener.Socket.Dispose();
            throw;
        }
        return new BoundListeners(bound);
    }

    private static Socket Listen(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(1024);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ListenerException($"cannot listen on {endPoint}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var listener in All) listener.Socket.Dispose();
    }
}

public sealed class ListenerException(string message, Exception inner) : Exception(message, inner);
