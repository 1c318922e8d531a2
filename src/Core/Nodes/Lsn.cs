using CausalEval.Dr.Core.Errors;

namespace CausalEval.Dr.Core.Nodes;

/// <summary>PostgreSQL WAL positions in their text form ("16/B374D848": high and low 32 bits in hex).</summary>
public static class Lsn
{
    public static long Bytes(string lsn)
    {
        var slash = lsn.IndexOf('/');
        if (slash <= 0 || !uint.TryParse(lsn[..slash], System.Globalization.NumberStyles.HexNumber, null, out var high)
            || !uint.TryParse(lsn[(slash + 1)..], System.Globalization.NumberStyles.HexNumber, null, out var low))
        {
            throw new BadInputException($"'{lsn}' is not a WAL position (like 0/3000148)");
        }

        return ((long)high << 32) | low;
    }
}
