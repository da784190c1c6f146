using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// Sequence sets as the findings read them (RFC 3501 §9 sequence-set): from a client's FETCH, a server's VANISHED or
/// COPYUID. Both come off the wire, so odd and hostile sets must give a bounded, sensible answer.
/// </summary>
public class UidSetsTests
{
    [Theory]
    [InlineData("7", 1UL)]
    [InlineData("1:3,7,10:12", 7UL)]
    // A range may be written high to low (RFC 3501 §9: "2:4 and 4:2 are equivalent").
    [InlineData("12:10", 3UL)]
    [InlineData("5:5", 1UL)]
    [InlineData("4294967295", 1UL)]
    // 2^64 numbers: saturated, not wrapped round to 0.
    [InlineData("0:18446744073709551615", ulong.MaxValue)]
    [InlineData("1:18446744073709551615,1:18446744073709551615", ulong.MaxValue)]
    public void Count_NamesHowManyNumbersTheSetHolds(string set, ulong expected) => Assert.Equal(expected, UidSets.Count(set));

    [Theory]
    [InlineData("")]
    [InlineData("1:*")]
    [InlineData("*")]
    [InlineData("1:2:3")]
    [InlineData("1,,3")]
    [InlineData("x")]
    [InlineData("18446744073709551616")]
    [InlineData("-1")]
    public void Count_OfWhatIsNotAPlainSet_IsUnknown(string set) => Assert.Null(UidSets.Count(set));

    [Fact]
    public void Numbers_ListsEachRangeInOrder_LowToHigh()
    {
        Assert.Equal([1UL, 2, 3, 7, 10, 11, 12], UidSets.Numbers("1:3,7,12:10", 100));
    }

    [Fact]
    public void Numbers_StopAtTheLimit_HoweverLargeTheSet()
    {
        Assert.Equal([1UL, 2, 3], UidSets.Numbers("1:4294967295", 3));
        Assert.Equal([5UL, 6], UidSets.Numbers("5,6,7", 2));
        Assert.Empty(UidSets.Numbers("1:3", 0));
    }

    [Fact]
    public void Numbers_ReadAsFarAsTheSetIsPlain()
    {
        // '*' is the largest number in use, which only the server knows: the range is taken as its first end.
        Assert.Equal([4UL, 9], UidSets.Numbers("4:*,9,x,11", 100));
    }

    [Fact]
    public void Numbers_AtTheTopOfTheRange_DoNotWrapRoundToZero()
    {
        Assert.Equal([ulong.MaxValue], UidSets.Numbers("18446744073709551615", 100));
        Assert.Equal([ulong.MaxValue - 1, ulong.MaxValue], UidSets.Numbers("18446744073709551614:18446744073709551615", 100));
    }
}
