using ImapProxy.Cli;

// Socket completions run the relay's continuation on the socket engine's thread instead of queueing it to the
// thread pool: on 2 cores this halved the round-trip time the proxy adds (bench/relay-bench.sh). It must be set
// before the first socket is used; an explicit setting in the environment wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

return await CommandTable.RunAsync(args, Console.Out, Console.Error);
