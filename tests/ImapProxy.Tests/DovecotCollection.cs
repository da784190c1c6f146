using ImapProxy.TestSupport;

namespace ImapProxy.Tests;

/// <summary>Test classes in this collection share one throwaway Dovecot (rawlog on).</summary>
[CollectionDefinition(Name)]
public sealed class DovecotCollection : ICollectionFixture<DovecotFixture>
{
    public const string Name = "Dovecot";
}
