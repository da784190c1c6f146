using ImapProxy.Cli;
using ImapProxy.Hosting;

// Socket completions run the relay's continuation on the socket engine's thread instead of queueing it to the
// thread pool: on 2 cores this halved the round-trip time the proxy adds (bench/relay-bench.sh). It must be set
// before the first socket is used; an explicit setting in the environment wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

return args switch
{
    ["parse", .. var rest] => ParseVerb.Run(rest, Console.Out, Console.Error),
    ["ca", .. var rest] => CaVerb.Run(rest, Console.Out, Console.Error),
    [var verb and ("sessions" or "events" or "export" or "import"), .. var rest] => await StoreVerbs.RunAsync(verb, rest, Console.Out, Console.Error),
    [var verb and ("replay" or "serve-capture"), .. var rest] => await ReplayVerbs.RunAsync(verb, rest, Console.Out, Console.Error),
    ["--help" or "-h" or "help"] => Help(),
    ["run", .. var rest] => await ProxyHost.RunAsync(rest),
    _ => await ProxyHost.RunAsync(args),
};

static int Help()
{
    Console.WriteLine(Usage.Text);
    return ExitCodes.Ok;
}
