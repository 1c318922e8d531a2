using System.Net;
using DnsClient;

namespace CausalEval.Dr.Adapters.Dns;

/// <summary>What the zone's authoritative server answers now: the check that a DNS change took effect.</summary>
public sealed class AuthoritativeAnswer(string nameserver)
{
    private readonly LookupClient client = new(new LookupClientOptions(Parse(nameserver))
    {
        UseCache = false,
        Timeout = TimeSpan.FromSeconds(1),
        Retries = 0,
        ThrowDnsErrors = false,
    });

    public async Task<IReadOnlyList<string>> AddressesAsync(string fqdn, CancellationToken cancellationToken = default)
    {
        var answer = await client.QueryAsync(fqdn, QueryType.A, cancellationToken: cancellationToken);
        return answer.Answers.ARecords().Select(a => a.Address.ToString()).Order().ToList();
    }

    /// <summary>Polls until the server answers exactly <paramref name="expected"/>; returns how many queries it took.</summary>
    public async Task<int> WaitForAsync(string fqdn, IReadOnlyList<string> expected, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var want = expected.Order().ToList();
        var deadline = DateTime.UtcNow + timeout;
        for (var queries = 1; ; queries++)
        {
            IReadOnlyList<string> seen = [];
            try
            {
                seen = await AddressesAsync(fqdn, cancellationToken);
            }
            catch (DnsResponseException)
            {
                // No answer this time; ask again.
            }

            if (seen.SequenceEqual(want))
            {
                return queries;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{nameserver} still answers {fqdn} with [{string.Join(", ", seen)}], not [{string.Join(", ",
                    want)}], after {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private static IPEndPoint Parse(string nameserver)
    {
        var colon = nameserver.LastIndexOf(':');
        return colon > 0 && IPAddress.TryParse(nameserver[..colon], out var address) && int.TryParse(nameserver[(colon + 1)..], out var port)
            ? new IPEndPoint(address, port)
            : new IPEndPoint(IPAddress.Parse(nameserver), 53);
    }
}
