using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Adapters.Dns;
using CausalEval.Dr.Core.Nodes;
using CausalEval.Dr.Lab;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Failover;

/// <summary>
/// A lab with a `dr serve` of its state directory (the health monitor on, as the lab's settings say), and
/// what failover tests read: PowerDNS's own records and SOA serial, the nodes' roles, failover instances.
/// </summary>
public sealed class FailoverLab : IAsyncDisposable
{
    private readonly HttpClient pdns;

    private FailoverLab(LabFixture lab, IDictionary<string, string>? settings)
    {
        Lab = lab;
        Environment = DrEnvironment.ForLab(lab.StateDirectory, settings);
        pdns = new HttpClient { BaseAddress = new Uri($"http://{lab.State.Find("dns")!.Address}:{lab.State.Ports["dnsApi"]}") };
        pdns.DefaultRequestHeaders.Add("X-API-Key", lab.State.DnsApiKey);
    }

    public LabFixture Lab { get; }

    public DrEnvironment Environment { get; }

    public ServeProcess? Serve { get; private set; }

    /// <summary>The lab and its `dr serve`; with the monitor on (the lab's settings), once it reported a healthy round.</summary>
    public static async Task<FailoverLab> StartAsync(IDictionary<string, string>? settings = null, bool monitor = true, string? topology = null)
    {
        var lab = LabFixture.WithTopology(topology);
        await lab.InitializeAsync();
        var failoverLab = new FailoverLab(lab, monitor ? settings : new Dictionary<string,
            string>(settings ?? new Dictionary<string, string>()) { ["DR_Monitor__Enabled"] = "false" });
        try
        {
            failoverLab.StartServe();
            if (monitor)
            {
                await failoverLab.WaitMonitorHealthyAsync();
            }

            return failoverLab;
        }
        catch
        {
            await failoverLab.DisposeAsync(); // a lab that is up must go down, whatever failed
            throw;
        }
    }

    public ServeProcess StartServe() => Serve = Environment.Serve();

    public async Task RestartServeAsync()
    {
        Serve?.Kill();
        if (Serve is not null)
        {
            await Serve.DisposeAsync();
        }

        StartServe();
    }

    public async Task WaitMonitorHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? subject = null;
        while (DateTime.UtcNow < deadline)
        {
            subject = (await Serve!.StatusAsync("health-monitor"))["customStatus"]?["subject"]?.GetValue<string>();
            if (subject?.Contains(": healthy", StringComparison.Ordinal) == true)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the monitor reported no healthy round: {subject}\n{Serve!.Log}");
    }

    /// <summary>
    /// The monitor's round counter, from its status ("round 12, primary-db (primary): healthy — …"); it carries on
    /// across the monitor's ContinueAsNew, whose fresh execution shows no subject until its first round.
    /// </summary>
    public async Task<long> MonitorRoundAsync()
    {
        var subject = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            subject = (await Serve!.StatusAsync("health-monitor"))["customStatus"]?["subject"]?.GetValue<string>() ?? "";
            if (System.Text.RegularExpressions.Regex.Match(subject, @"^round (\d+),") is { Success: true } match)
            {
                return long.Parse(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException($"the monitor's status named no round for 15 s: '{subject}'");
    }

    /// <summary>Every failover instance on the task hub: id and runtime status.</summary>
    public async Task<IReadOnlyList<(string Id, string Status)>> FailoversAsync()
    {
        var list = JsonNode.Parse(await Serve!.Http.GetStringAsync("/runtime/webhooks/durabletask/instances?instanceIdPrefix=failover-"))!.AsArray();
        return list.Select(i => (i!["instanceId"]!.GetValue<string>(), i["runtimeStatus"]!.GetValue<string>())).ToList();
    }

    public async Task<string> WaitForFailoverEndAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if ((await FailoversAsync()).FirstOrDefault() is { Id: var id } && id is not null)
            {
                var end = await Serve!.WaitForEndAsync(id, deadline - DateTime.UtcNow);
                return end["runtimeStatus"]!.GetValue<string>();
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no failover started within {timeout}\n{Serve!.Log}");
    }

    /// <summary>PowerDNS's own record (not our log of it), sorted.</summary>
    public async Task<IReadOnlyList<string>> RecordAsync(string name)
    {
        var records = new PowerDnsRecords(pdns, Lab.State.Zone, Lab.State.DnsApiKey);
        return await records.GetAddressesAsync(name);
    }

    /// <summary>The zone's SOA serial: PowerDNS raises it on every change made through its API.</summary>
    public async Task<long> SerialAsync() =>
        (await pdns.GetFromJsonAsync<JsonObject>($"/api/v1/servers/localhost/zones/{Lab.State.Zone}."))!["serial"]!.GetValue<long>();

    /// <summary>The DR state's serving-primary record, read from the lab's store as the control plane reads it.</summary>
    public Task<CausalEval.Dr.Core.Failover.ServingPrimary?> ServingPrimaryAsync() =>
        new CausalEval.Dr.Adapters.Failover.ServingPrimaryStore(
            new CausalEval.Dr.Adapters.Storage.LocalDirectoryObjectStore(LabSettings.BackupStore(Lab.LabDirectory))).ReadAsync();

    public async Task<NodeStatus> NodeAsync(string node)
    {
        using var agents = Lab.Agents();
        return await agents.For(node).StatusAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Serve is not null)
        {
            await Serve.DisposeAsync();
        }

        pdns.Dispose();
        await Lab.DisposeAsync();
    }
}
