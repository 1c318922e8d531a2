using System.Diagnostics;
using System.Net;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using CausalEval.Dr.Core.Errors;
using Polly;
using Polly.Retry;

namespace CausalEval.Dr.Adapters.Dns;

/// <summary>
/// The zone's records in Amazon Route 53, through its REST API (AWSSDK.Route53 is not served here): an HttpClient
/// whose requests AWSSDK.Core's SigV4 handler signs (us-east-1, service "route53"). A change is one
/// ChangeResourceRecordSets batch (all or nothing) with an UPSERT; then GetChange is asked every second until INSYNC
/// (the SDK's own waiter asks every 30 s: far too slow for an RTO clock). Throttling, PriorRequestNotComplete and
/// server errors are retried with backoff; anything else fails with Route 53's own message.
/// </summary>
public sealed class Route53Records(HttpClient http, string zone, string hostedZoneId, Route53Timing? timing = null) : IDnsRecords
{
    public const string DefaultEndpoint = "https://route53.amazonaws.com";

    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static readonly string[] Transient = ["Throttling", "ThrottlingException", "PriorRequestNotComplete", "ServiceUnavailable", "InternalFailure"];
    private readonly Route53Timing times = timing ?? new Route53Timing();
    private readonly string zone = zone.TrimEnd('.');
    private readonly ResiliencePipeline retries = RetriesOf(timing ?? new Route53Timing());

    /// <summary>A client signing with the access key in <paramref name="credentials"/> ("accessKeyId:secretAccessKey[:sessionToken]").</summary>
    public static HttpClient CreateClient(string endpoint, string credentials)
    {
        var parts = credentials.Split(':');
        AWSCredentials aws = parts switch
        {
            [var id, var secret] when id.Length > 0 && secret.Length > 0 => new BasicAWSCredentials(id, secret),
            [var id, var secret, var token] when id.Length > 0 && secret.Length > 0 => new SessionAWSCredentials(id, secret, token),
            _ => throw new DrConfigurationException("the Route 53 credentials secret must read accessKeyId:secretAccessKey (or :sessionToken after them)"),
        };
        return new HttpClient(new SigV4SigningHandler(aws, RegionEndpoint.USEast1, "route53", new HttpClientHandler()))
        {
            BaseAddress = new Uri(string.IsNullOrWhiteSpace(endpoint) ? DefaultEndpoint : endpoint),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    private string ZonePath => $"/2013-04-01/hostedzone/{hostedZoneId}";

    public async Task<DnsChangeApplied> SetAddressesAsync(string name, IReadOnlyList<string> addresses, int ttlSeconds,
        CancellationToken cancellationToken = default)
    {
        if (addresses.Count == 0)
        {
            throw new ArgumentException($"{name}: at least one address is needed (an empty record set would take the service off DNS)");
        }

        var body = new XDocument(new XElement(Ns + "ChangeResourceRecordSetsRequest",
            new XElement(Ns + "ChangeBatch",
                new XElement(Ns + "Comment", $"CausalEval.Dr: {Fqdn(name)} → {string.Join(", ", addresses)}"),
                new XElement(Ns + "Changes",
                    new XElement(Ns + "Change",
                        new XElement(Ns + "Action", "UPSERT"),
                        new XElement(Ns + "ResourceRecordSet",
                            new XElement(Ns + "Name", Fqdn(name) + "."),
                            new XElement(Ns + "Type", "A"),
                            new XElement(Ns + "TTL", ttlSeconds),
                            new XElement(Ns + "ResourceRecords",
                                addresses.Select(a => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", a))))))))));
        var clock = Stopwatch.StartNew();
        var submitted = await SendAsync(HttpMethod.Post, $"{ZonePath}/rrset/", body, cancellationToken);
        var (id, status) = ChangeInfoOf(submitted);
        while (status != "INSYNC")
        {
            if (clock.Elapsed > times.InSyncTimeout)
            {
                throw new TimeoutException($"Route 53 change {id} of {Fqdn(name)} was still {status} after {times.InSyncTimeout}");
            }

            await Task.Delay(times.PollEvery, cancellationToken);
            (_, status) = ChangeInfoOf(await SendAsync(HttpMethod.Get, $"/2013-04-01/change/{id}", null, cancellationToken));
        }

        return new DnsChangeApplied(id, Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    public async Task<IReadOnlyList<string>> GetAddressesAsync(string name, CancellationToken cancellationToken = default)
    {
        var fqdn = Fqdn(name) + ".";
        var listed = await SendAsync(HttpMethod.Get, $"{ZonePath}/rrset?name={Uri.EscapeDataString(fqdn)}&type=A&maxitems=1", null, cancellationToken);
        return listed.Descendants(Ns + "ResourceRecordSet")
            .Where(set => string.Equals((string?)set.Element(Ns + "Name"), fqdn, StringComparison.OrdinalIgnoreCase)
                && (string?)set.Element(Ns + "Type") == "A")
            .SelectMany(set => set.Descendants(Ns + "Value").Select(v => v.Value))
            .Order()
            .ToList();
    }

    private string Fqdn(string name) => $"{name.TrimEnd('.')}.{zone}";

    /// <summary>"/change/C2682N5HXP0BZ4" or "C2682N5HXP0BZ4" → the bare id, and the status.</summary>
    private static (string Id, string Status) ChangeInfoOf(XDocument response)
    {
        var info = response.Descendants(Ns + "ChangeInfo").SingleOrDefault()
            ?? throw new InvalidDataException($"Route 53 answered without a ChangeInfo: {response}");
        var id = ((string?)info.Element(Ns + "Id") ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidDataException("Route 53's ChangeInfo has no Id");
        return (id, (string?)info.Element(Ns + "Status") ?? "");
    }

    private async Task<XDocument> SendAsync(HttpMethod method, string path, XDocument? body, CancellationToken cancellationToken)
    {
        return await retries.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToString(SaveOptions.DisableFormatting), System.Text.Encoding.UTF8, "application/xml");
            }

            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return XDocument.Parse(text);
            }

            var (code, message) = ErrorOf(text);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError || Transient.Contains(code))
            {
                throw new Route53TransientException($"Route 53 {method} {path}: {(int)response.StatusCode} {code}: {message}");
            }

            throw response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                ? new DrConfigurationException($"Route 53 refused {method} {path}: {code}: {message}")
                : new InvalidOperationException($"Route 53 {method} {path}: {(int)response.StatusCode} {code}: {message}");
        }, cancellationToken);
    }

    /// <summary>Throttling, a prior change still in progress, 429 and 5xx are retried with backoff; a refusal is not.</summary>
    private static ResiliencePipeline RetriesOf(Route53Timing times) =>
        new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Route53TransientException>().Handle<HttpRequestException>(),
            MaxRetryAttempts = times.MaxRetries,
            Delay = times.FirstRetryDelay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            MaxDelay = TimeSpan.FromSeconds(10),
        }).Build();

    /// <summary>Route 53's &lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;, or the raw text.</summary>
    private static (string Code, string Message) ErrorOf(string text)
    {
        try
        {
            var error = XDocument.Parse(text).Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            return (error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? "",
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? text);
        }
        catch (System.Xml.XmlException)
        {
            return ("", text);
        }
    }

    private sealed class Route53TransientException(string message) : Exception(message);
}

/// <summary>How Route 53 is waited on and retried (tests shorten them).</summary>
/// <param name="PollEvery">Between GetChange calls until INSYNC.</param>
public sealed record Route53Timing(TimeSpan PollEvery, TimeSpan InSyncTimeout, TimeSpan FirstRetryDelay, int MaxRetries = 6)
{
    public Route53Timing()
        : this(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(500))
    {
    }
}
