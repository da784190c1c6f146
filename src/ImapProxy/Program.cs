using ImapProxy.Cli;
using ImapProxy.Hosting;

return args switch
{
    ["parse", .. var rest] => ParseVerb.Run(rest, Console.Out, Console.Error),
    ["ca", .. var rest] => CaVerb.Run(rest, Console.Out, Console.Error),
    [var verb and ("sessions" or "events" or "export" or "import"), .. var rest] => await StoreVerbs.RunAsync(verb, rest, Console.Out, Console.Error),
    ["--help" or "-h" or "help"] => Help(),
    ["run", .. var rest] => await ProxyHost.RunAsync(rest),
    _ => await ProxyHost.RunAsync(args),
};

static int Help()
{
    Console.WriteLine(Usage.Text);
    return ExitCodes.Ok;
}
