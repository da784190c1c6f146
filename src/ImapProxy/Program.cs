using ImapProxy.Cli;

return args switch
{
    ["parse", .. var rest] => ParseVerb.Run(rest, Console.Out, Console.Error),
    ["--help" or "-h" or "help"] => Help(),
    _ => Unknown(),
};

static int Help()
{
    Console.WriteLine("""
        imapproxy - an IMAP debugging proxy

        Verbs:
          parse    parse recorded IMAP bytes offline (imapproxy parse --help)
        """);
    return ExitCodes.Ok;
}

static int Unknown()
{
    Console.Error.WriteLine("imapproxy: unknown arguments (see imapproxy --help)");
    return ExitCodes.Usage;
}
