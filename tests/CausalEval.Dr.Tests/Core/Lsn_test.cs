using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Core.Nodes;

namespace CausalEval.Dr.Tests.Core;

public sealed class Lsn_test
{
    [Theory]
    [InlineData("0/0", 0L)]
    [InlineData("0/3000148", 0x3000148L)]
    [InlineData("16/B374D848", (0x16L << 32) | 0xB374D848L)]
    public void Text_positions_are_bytes_from_the_start_of_WAL(string lsn, long bytes) => Assert.Equal(bytes, Lsn.Bytes(lsn));

    [Theory]
    [InlineData("")]
    [InlineData("3000148")]
    [InlineData("0/zz")]
    public void Anything_else_is_bad_input_naming_it(string lsn) => Assert.Contains($"'{lsn}'", Assert.Throws<BadInputException>(() => Lsn.Bytes(lsn)).Message);
}
