using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CausalEval.Dr.Core;
using CausalEval.Dr.Core.Topology;
using static CausalEval.Dr.Local.Cli.GlobalOptions;

namespace CausalEval.Dr.Local.Cli;

/// <summary>`dr topology check`: the DR topology as this configuration resolves it, or every problem with it, by path.</summary>
public static class TopologyCommands
{
    public static Command Topology()
    {
        var topology = new Command("topology", "The DR topology: regions, database nodes and agents, DNS, compute, stores, control plane");
        var json = new Option<bool>("--json");
        var check = new Command("check", "Resolve and validate the topology; print it, or every problem by its path") { json };
        check.SetAction(parse =>
        {
            var configuration = Configuration(parse);
            var (resolved, problems) = TopologyValidator.Read(configuration);
            if (problems.Count > 0)
            {
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { valid = false, problems }, DrJson.Indented));
                }

                Console.Error.WriteLine("dr: invalid DR topology:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
                return ExitCodes.Unavailable;
            }

            if (resolved.IsEmpty)
            {
                Console.Error.WriteLine("dr: no DR topology is configured (`dr lab up` writes one for the lab; or set the Topology section, see README)");
                return ExitCodes.Unavailable;
            }

            var secrets = Secrets(resolved).ToDictionary(s => s, s => !string.IsNullOrEmpty(configuration[$"Secrets:{s}"]));
            if (parse.GetValue(json))
            {
                var body = JsonSerializer.SerializeToNode(resolved, DrJson.Options)!.AsObject();
                Redact(body);
                body["valid"] = true;
                body["secrets"] = new JsonObject(secrets.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)(s.Value ? "set" : "missing"))));
                Console.WriteLine(body.ToJsonString(DrJson.Indented));
                return ExitCodes.Ok;
            }

            Print(resolved, secrets);
            return ExitCodes.Ok;
        });
        topology.Subcommands.Add(check);
        return topology;
    }

    private static readonly string[] SecretFields = ["connectionString", "secretAccessKey", "accessKeyId"];

    /// <summary>Stores may carry keys inline: show that they are set, never what they are.</summary>
    private static void Redact(JsonNode? node)
    {
        if (node is JsonObject json)
        {
            foreach (var (key, value) in json.ToList())
            {
                if (SecretFields.Contains(key) && value is JsonValue v && v.TryGetValue<string>(out var text))
                {
                    json[key] = text.Length > 0 ? "(set)" : "";
                }
                else
                {
                    Redact(value);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                Redact(item);
            }
        }
    }

    private static IEnumerable<string> Secrets(TopologyOptions topology) =>
        topology.Nodes.Select(n => n.Node.Agent?.TokenSecret).Append(topology.Dns?.ApiKeySecret).OfType<string>().Where(s => s.Length > 0).Distinct();

    private static void Print(TopologyOptions topology, IReadOnlyDictionary<string, bool> secrets)
    {
        Console.WriteLine($"control plane: {topology.ControlPlane.Location}");
        if (topology.Dns is { } dns)
        {
            Console.WriteLine($"dns: {dns.Provider} zone {dns.Zone} (ttl {dns.TtlSeconds} s){(dns.Nameserver.Length > 0
                ? $", answers checked at {dns.Nameserver}" : "")}");
        }

        foreach (var (name, region) in topology.Regions.OrderBy(r => r.Value.RoleValue))
        {
            Console.WriteLine($"region {name}: {region.Role}, {region.Location}, {region.CapacityPercent}% capacity");
            foreach (var node in region.Database.Nodes)
            {
                var agent = node.Agent is { } a ? $", agent {a.Url} (token {(secrets.GetValueOrDefault(a.TokenSecret) ? "set" : "MISSING")})" : ", no agent";
                Console.WriteLine($"  database node {node.Name}: {node.Host}:{node.Port}{agent}");
            }

            foreach (var (record, addresses) in region.Dns.Records)
            {
                Console.WriteLine($"  dns {record} → {string.Join(", ", addresses)} when it serves");
            }

            if (region.Compute is { } compute)
            {
                Console.WriteLine($"  compute ({compute.Provider}): {string.Join(", ",
                    compute.Services.Select(s => $"{s.Key} {s.Value.Normal} → {s.Value.Failover} on failover"))}");
            }

            foreach (var (which, store) in new[] { ("near", region.Stores.Near), ("far", region.Stores.Far) })
            {
                if (store is not null)
                {
                    Console.WriteLine($"  {which} store: {store.Describe()}");
                }
            }
        }
    }
}
