using System.Xml.Linq;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Dns;

/// <summary>
/// The Route 53 provider against a loopback Route 53 (<see cref="FakeRoute53"/>) that recomputes every SigV4
/// signature on its own: what is sent (method, path, headers, the XML batch), that a change is waited on until INSYNC,
/// that throttling is retried and a refusal is not, and that the records read back are Route 53's.
/// </summary>
public sealed class Route53_records_test : IDisposable
{
    private static readonly XNamespace Ns = FakeRoute53.Ns;
    private static readonly Route53Timing Fast = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(10));
    private readonly FakeRoute53 route53 = new("Z0TEST");

    public void Dispose() => route53.Dispose();

    private Route53Records Records(string credentials = "") =>
        new(Route53Records.CreateClient(route53.Endpoint, credentials is "" ? FakeRoute53.Credentials : credentials), "causal-eval.test.", "Z0TEST", Fast);

    [Fact]
    public async Task An_upsert_is_one_signed_batch_and_is_waited_on_until_INSYNC()
    {
        route53.PendingPolls = 3;

        var applied = await Records().SetAddressesAsync("api", ["10.0.2.12", "10.0.2.11"], 30);

        var requests = route53.Requests.ToList();
        Assert.All(requests, r => Assert.True(r.SignatureValid, $"{r.Method} {r.PathAndQuery}: signature did not verify (signed: {r.SignedHeaders})"));
        var post = Assert.Single(requests, r => r.Method == "POST");
        Assert.Equal("/2013-04-01/hostedzone/Z0TEST/rrset/", post.PathAndQuery);
        Assert.StartsWith("application/xml", post.Headers["content-type"]);
        var change = Assert.Single(XDocument.Parse(post.Body).Descendants(Ns + "Change"));
        Assert.Equal("UPSERT", (string?)change.Element(Ns + "Action"));
        var set = change.Element(Ns + "ResourceRecordSet")!;
        Assert.Equal(("api.causal-eval.test.", "A", 30), ((string)set.Element(Ns + "Name")!, (string)set.Element(Ns + "Type")!, (int)set.Element(Ns + "TTL")!));
        Assert.Equal(["10.0.2.12", "10.0.2.11"], set.Descendants(Ns + "Value").Select(v => v.Value));

        var polls = requests.Where(r => r.Method == "GET").Select(r => r.PathAndQuery).ToList();
        Assert.Equal(Enumerable.Repeat("/2013-04-01/change/C0001FAKE", 4), polls); // PENDING three times, then INSYNC
        Assert.Equal("C0001FAKE", applied.ChangeId);
        Assert.True(applied.InSyncSeconds > 0);
        Assert.Equal(["10.0.2.12", "10.0.2.11"], route53.ValuesOf("api.causal-eval.test"));
    }

    [Fact]
    public async Task Throttling_and_a_prior_change_in_progress_are_retried_until_the_change_goes_through()
    {
        route53.Errors.Enqueue(("POST", 400, "Throttling"));
        route53.Errors.Enqueue(("POST", 400, "PriorRequestNotComplete"));
        route53.Errors.Enqueue(("GET", 429, "Throttling"));
        route53.PendingPolls = 0;

        var applied = await Records().SetAddressesAsync("db", ["10.0.2.5"], 30);

        Assert.Equal(3, route53.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(2, route53.Requests.Count(r => r.Method == "GET")); // one throttled, then INSYNC
        Assert.All(route53.Requests, r => Assert.True(r.SignatureValid));
        Assert.Equal("C0001FAKE", applied.ChangeId); // the throttled attempts changed nothing
        Assert.Equal(["10.0.2.5"], route53.ValuesOf("db.causal-eval.test"));
    }

    [Fact]
    public async Task A_refused_batch_fails_at_once_with_Route53s_reason_and_changes_nothing()
    {
        route53.Errors.Enqueue(("POST", 400, "InvalidChangeBatch"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Records().SetAddressesAsync("api", ["10.0.2.11"], 30));

        Assert.Contains("InvalidChangeBatch", error.Message);
        Assert.Single(route53.Requests); // not retried
        Assert.Empty(route53.ValuesOf("api.causal-eval.test"));
    }

    /// <summary>The fake's check can fail: a request signed with another secret is refused, and that is a configuration error.</summary>
    [Fact]
    public async Task A_request_signed_with_the_wrong_secret_is_refused_as_a_configuration_error()
    {
        var error = await Assert.ThrowsAsync<DrConfigurationException>(()
            => Records($"{FakeRoute53.AccessKeyId}:not-the-secret").SetAddressesAsync("api", ["10.0.2.11"], 30));

        Assert.Contains("SignatureDoesNotMatch", error.Message);
        Assert.False(Assert.Single(route53.Requests).SignatureValid);
    }

    [Fact]
    public async Task Records_are_read_back_from_the_zone_by_name()
    {
        var records = Records();
        await records.SetAddressesAsync("db", ["10.0.1.5"], 30);
        await records.SetAddressesAsync("dbz", ["10.9.9.9"], 30); // listed after db.: must not be taken for it

        Assert.Equal(["10.0.1.5"], await records.GetAddressesAsync("db"));
        Assert.Empty(await records.GetAddressesAsync("api"));
        var list = route53.Requests.Last(r => r.Method == "GET" && r.PathAndQuery.Contains("rrset?", StringComparison.Ordinal));
        Assert.Equal("/2013-04-01/hostedzone/Z0TEST/rrset?name=api.causal-eval.test.&type=A&maxitems=1", list.PathAndQuery);
        Assert.True(list.SignatureValid);
    }

    [Theory]
    [InlineData("no-colon")]
    [InlineData(":secret")]
    public void Credentials_that_are_not_a_key_pair_are_a_configuration_error(string credentials) =>
        Assert.Throws<DrConfigurationException>(() => Route53Records.CreateClient(route53.Endpoint, credentials));
}
