using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace CausalEval.Dr.Tests.Fixtures;

/// <summary>
/// A loopback stand-in for the Route 53 API (which cannot run here), answering as the real one does: every request's
/// SigV4 signature is recomputed here, independently of the AWS SDK, and refused (403 SignatureDoesNotMatch) when it
/// differs; ChangeResourceRecordSets applies the batch and answers PENDING; GetChange answers PENDING for
/// <see cref="PendingPolls"/> polls, then INSYNC; ListResourceRecordSets lists what was applied. Tests can make it
/// answer errors first (<see cref="Errors"/>) and read every request it got.
/// </summary>
public sealed class FakeRoute53 : IDisposable
{
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    private readonly LoopbackHttp server;
    private readonly ConcurrentDictionary<string, int> polls = new();
    private readonly Dictionary<string, (int Ttl, List<string> Values)> records = new(StringComparer.OrdinalIgnoreCase);
    private int changes;

    public FakeRoute53(string hostedZoneId = "Z0FAKE")
    {
        HostedZoneId = hostedZoneId;
        server = new LoopbackHttp(AnswerOrFailAsync);
    }

    public sealed record Request(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body, bool SignatureValid,
        string? SignedHeaders)
    {
        /// <summary>When it arrived: orders requests to different stand-ins.</summary>
        public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;
    }

    /// <summary>Called with each applied record (name with its trailing dot, values): a test can make a real DNS server answer the same.</summary>
    public Func<string, IReadOnlyList<string>, Task>? Applied { get; set; }

    /// <summary>A record as it is before the test (what the zone held).</summary>
    public void Seed(string fqdn, int ttl, params string[] values)
    {
        lock (records)
        {
            records[fqdn.TrimEnd('.') + "."] = (ttl, values.ToList());
        }
    }

    public string Endpoint => server.Endpoint;

    public string HostedZoneId { get; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Answers to give before the real one, in order: (status, Route 53 error code), for requests matching the method.</summary>
    public ConcurrentQueue<(string Method, int Status, string Code)> Errors { get; } = new();

    public int PendingPolls { get; set; } = 2;

    public static string Credentials => $"{AccessKeyId}:{SecretAccessKey}";

    public IReadOnlyList<string> ValuesOf(string fqdn) => records.TryGetValue(fqdn.TrimEnd('.') + ".", out var set) ? set.Values : [];

    public void Dispose() => server.Dispose();

    private async Task AnswerOrFailAsync(HttpListenerContext context)
    {
        try
        {
            await AnswerAsync(context);
        }
        catch (Exception e) when (e is not (HttpListenerException or IOException or ObjectDisposedException))
        {
            await ReplyAsync(context.Response, 500, Error("InternalFailure", e.Message));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var http = context.Request;
        string body;
        using (var reader = new StreamReader(http.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var headers = http.Headers.AllKeys.ToDictionary(k => k!.ToLowerInvariant(), k => http.Headers[k]!);
        var (valid, signed) = Verify(http.HttpMethod, http.RawUrl!, headers, body);
        var request = new Request(http.HttpMethod, http.RawUrl!, headers, body, valid, signed);
        Requests.Enqueue(request);
        if (!valid)
        {
            await ReplyAsync(context.Response, 403,
                Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."));
            return;
        }

        if (Errors.TryPeek(out var error) && error.Method == http.HttpMethod && Errors.TryDequeue(out _))
        {
            await ReplyAsync(context.Response, error.Status, Error(error.Code, $"injected {error.Code}"));
            return;
        }

        var path = http.Url!.AbsolutePath;
        var zone = $"/2013-04-01/hostedzone/{HostedZoneId}/rrset";
        if (http.HttpMethod == "POST" && path.TrimEnd('/') == zone)
        {
            var (answer, applied) = Apply(XDocument.Parse(body));
            foreach (var (name, values) in applied)
            {
                await (Applied?.Invoke(name, values) ?? Task.CompletedTask);
            }

            await ReplyAsync(context.Response, 200, answer);
        }
        else if (http.HttpMethod == "GET" && path.StartsWith("/2013-04-01/change/", StringComparison.Ordinal))
        {
            var id = path["/2013-04-01/change/".Length..];
            var asked = polls.AddOrUpdate(id, 1, (_, n) => n + 1);
            await ReplyAsync(context.Response, 200,
                new XDocument(new XElement(Ns + "GetChangeResponse", ChangeInfo($"/change/{id}", asked > PendingPolls ? "INSYNC" : "PENDING"))));
        }
        else if (http.HttpMethod == "GET" && path == zone)
        {
            await ReplyAsync(context.Response, 200, List(http.QueryString["name"] ?? "", http.QueryString["type"] ?? "A"));
        }
        else
        {
            await ReplyAsync(context.Response, 404, Error("NoSuchHostedZone", $"No hosted zone found for {path}"));
        }
    }

    private (XDocument Answer, List<(string Name, List<string> Values)> Applied) Apply(XDocument request)
    {
        var batch = request.Root!.Element(Ns + "ChangeBatch")!.Element(Ns + "Changes")!.Elements(Ns + "Change").ToList();
        var applied = new List<(string, List<string>)>();
        foreach (var change in batch)
        {
            var set = change.Element(Ns + "ResourceRecordSet")!;
            var name = (string)set.Element(Ns + "Name")!;
            var values = set.Descendants(Ns + "Value").Select(v => v.Value).ToList();
            lock (records)
            {
                records[name] = ((int)set.Element(Ns + "TTL")!, values);
            }

            applied.Add((name, values));
        }

        var id = $"C{Interlocked.Increment(ref changes):D4}FAKE";
        return (new XDocument(new XElement(Ns + "ChangeResourceRecordSetsResponse", ChangeInfo($"/change/{id}", "PENDING"))), applied);
    }

    private XDocument List(string name, string type)
    {
        lock (records)
        {
            // Route 53 lists from the given name on, in order: the asked record first when it exists, then whatever follows.
            var sets = records.Where(r => string.CompareOrdinal(r.Key.ToLowerInvariant(), name.ToLowerInvariant()) >= 0).OrderBy(r => r.Key,
                StringComparer.Ordinal)
                .Select(r
                    => new XElement(Ns + "ResourceRecordSet", new XElement(Ns + "Name", r.Key), new XElement(Ns + "Type", type),
                    new XElement(Ns + "TTL", r.Value.Ttl),
                    new XElement(Ns + "ResourceRecords", r.Value.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v))))));
            return new XDocument(new XElement(Ns + "ListResourceRecordSetsResponse", new XElement(Ns + "ResourceRecordSets", sets),
                new XElement(Ns + "IsTruncated", "false")));
        }
    }

    private static XElement ChangeInfo(string id, string status) =>
        new(Ns + "ChangeInfo", new XElement(Ns + "Id", id), new XElement(Ns + "Status", status),
            new XElement(Ns + "SubmittedAt", DateTime.UtcNow.ToString("O")));

    private static XDocument Error(string code, string message) =>
        new(new XElement(Ns + "ErrorResponse",
            new XElement(Ns + "Error", new XElement(Ns + "Type", "Sender"), new XElement(Ns + "Code", code), new XElement(Ns + "Message", message))));

    private static Task ReplyAsync(HttpListenerResponse response, int status, XDocument document) =>
        LoopbackHttp.ReplyAsync(response, status, "text/xml", document.ToString());

    /// <summary>AWS Signature Version 4 as its specification defines it, computed from the request as received.</summary>
    private static (bool Valid, string? SignedHeaders) Verify(string method, string rawUrl, IReadOnlyDictionary<string, string> headers, string body)
    {
        if (!headers.TryGetValue("authorization", out var authorization) || !authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            return (false, null);
        }

        var fields = authorization["AWS4-HMAC-SHA256 ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
        var scope = fields["Credential"].Split('/'); // key/date/region/service/aws4_request
        if (scope is not [AccessKeyId, var date, "us-east-1", "route53", "aws4_request"] || !headers.TryGetValue("x-amz-date", out var amzDate)
            || !amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            return (false, fields.GetValueOrDefault("SignedHeaders"));
        }

        var signedHeaders = fields["SignedHeaders"].Split(';');
        if (!signedHeaders.Contains("host") || signedHeaders.Any(h => !headers.ContainsKey(h)))
        {
            return (false, fields["SignedHeaders"]);
        }

        var (path, query) = rawUrl.IndexOf('?') is var q and >= 0 ? (rawUrl[..q], rawUrl[(q + 1)..]) : (rawUrl, "");
        var canonicalQuery = string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
        var canonicalPath = string.Join('/', path.Split('/').Select(s => Encode(Uri.UnescapeDataString(s))));
        var canonicalHeaders = string.Concat(signedHeaders.Select(h
            => $"{h}:{string.Join(' ', headers[h].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))}\n"));
        var payload = Hex(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var canonicalRequest = $"{method}\n{canonicalPath}\n{canonicalQuery}\n{canonicalHeaders}\n{fields["SignedHeaders"]}\n{payload}";
        var stringToSign =
            $"AWS4-HMAC-SHA256\n{amzDate}\n{date}/us-east-1/route53/aws4_request\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + SecretAccessKey), date), "us-east-1"), "route53"), "aws4_request");
        return (Hex(Hmac(key, stringToSign)) == fields["Signature"], fields["SignedHeaders"]);
    }

    /// <summary>RFC 3986: unreserved characters stay, everything else is %XX in upper case.</summary>
    private static string Encode(string text) =>
        string.Concat(Encoding.UTF8.GetBytes(text).Select(b
            => (char)b is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~'
            ? ((char)b).ToString() : "%" + b.ToString("X2", CultureInfo.InvariantCulture)));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
