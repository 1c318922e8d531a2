using CausalEval.Dr.Core.Topology;
using System.Net;
using System.Text.Json;

namespace CausalEval.Dr.Lab.Topology;

/// <summary>
/// Reads a topology file and reports every problem at once, each named by its path
/// (<c>regions[1].services.postgress: unknown service</c>), before the lab starts anything.
/// </summary>
public static class LabTopologyParser
{
    private static readonly string[] RegionServices = ["postgres", "redis", "workload"];
    private static readonly string[] SharedServices = ["azurite", "s3", "dns"];

    public static string DefaultFile => Path.Combine(AppContext.BaseDirectory, "lab.topology.json");

    public static LabTopology Load(string? path = null)
    {
        path ??= DefaultFile;
        if (!File.Exists(path))
        {
            throw new LabTopologyException([$"{path}: topology file not found"]);
        }

        return Parse(File.ReadAllText(path));
    }

    public static LabTopology Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new LabTopologyException([$"not valid JSON: {e.Message}"]);
        }

        using (document)
        {
            var errors = new List<string>();
            var root = document.RootElement;
            Known(root, "", ["zone", "regions", "shared", "ports"], errors);
            var zone = String(root, "zone", "", errors) ?? "causal-eval.test";

            var regions = new List<(LabRegion Region, string Path)>();
            if (!root.TryGetProperty("regions", out var regionArray) || regionArray.ValueKind != JsonValueKind.Array)
            {
                errors.Add("regions: missing (a list with a primary and a secondary region)");
            }
            else
            {
                var i = 0;
                foreach (var region in regionArray.EnumerateArray())
                {
                    if (ParseRegion(region, $"regions[{i}]", errors) is { } parsed)
                    {
                        regions.Add((parsed, $"regions[{i}]"));
                    }

                    i++;
                }
            }

            var primary = Single(regions, RegionRole.Primary, errors);
            var secondary = Single(regions, RegionRole.Secondary, errors);
            var cold = regions.Where(r => r.Region.Role == RegionRole.DisasterRecovery).ToList();
            if (cold.Count > 1)
            {
                errors.Add($"{cold[1].Path}.role: a second 'dr' region");
            }

            foreach (var dup in regions.GroupBy(r => r.Region.Name).Where(g => g.Count() > 1))
            {
                errors.Add($"{dup.Last().Path}.name: duplicate region name '{dup.Key}'");
            }

            foreach (var dup in regions.GroupBy(r => r.Region.Address).Where(g => g.Count() > 1))
            {
                errors.Add($"{dup.Last().Path}.address: {dup.Key} is also the address of {dup.First().Path}");
            }

            var (sharedAddress, azurite, s3) = ParseShared(root, errors);
            var ports = ParsePorts(root, errors);

            if (errors.Count > 0)
            {
                throw new LabTopologyException(errors);
            }

            if (secondary!.WorkloadInstances == 0)
            {
                // Unset: the secondary runs its capacity share of the primary's instances (seed: 50%), at least one.
                var share = (int)Math.Ceiling(primary!.WorkloadInstances * secondary.CapacityPercent / 100.0);
                secondary = secondary with { WorkloadInstances = Math.Max(1, share) };
            }

            // The cold region runs nothing until it is recovered; then its capacity share (seed: 25%), at least one instance.
            var dr = cold.Select(c => c.Region).FirstOrDefault();
            if (dr is { WorkloadInstances: 0 })
            {
                dr = dr with { WorkloadInstances = Math.Max(1, (int)Math.Ceiling(primary!.WorkloadInstances * dr.CapacityPercent / 100.0)) };
            }

            return new LabTopology(zone.TrimEnd('.'), primary!, secondary, sharedAddress, azurite, s3, ports) { Cold = dr };
        }
    }

    private static LabRegion? ParseRegion(JsonElement region, string path, List<string> errors)
    {
        var before = errors.Count;
        Known(region, path, ["name", "role", "address", "location", "capacityPercent", "services"], errors);
        var name = String(region, "name", path, errors, required: true);
        var roleText = String(region, "role", path, errors, required: true);
        RegionRole role = default;
        if (RegionRoles.Parse(roleText) is { } known)
        {
            role = known;
        }
        else if (roleText is not null)
        {
            errors.Add($"{path}.role: '{roleText}' is not primary, secondary or dr (the cold disaster-recovery region)");
        }

        var address = LoopbackAddress(region, path, errors);
        var capacity = Int(region, "capacityPercent", path, errors) ?? 100;
        if (capacity is < 1 or > 100)
        {
            errors.Add($"{path}.capacityPercent: {capacity} is outside 1..100");
        }

        PostgresSpec postgres = new(false, name ?? "standby");
        var redis = false;
        var files = false;
        var instances = 0;
        if (!region.TryGetProperty("services", out var services) || services.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}.services: missing");
        }
        else
        {
            foreach (var service in services.EnumerateObject())
            {
                var servicePath = $"{path}.services.{service.Name}";
                switch (service.Name)
                {
                    case "postgres":
                        Known(service.Value, servicePath, ["synchronous", "applicationName"], errors);
                        postgres = new PostgresSpec(
                            service.Value.TryGetProperty("synchronous", out var sync) && sync.ValueKind == JsonValueKind.True,
                            String(service.Value, "applicationName", servicePath, errors) ?? name ?? "standby");
                        break;
                    case "redis":
                        Known(service.Value, servicePath, [], errors);
                        redis = true;
                        break;
                    case "files":
                        Known(service.Value, servicePath, [], errors);
                        files = true;
                        break;
                    case "workload":
                        Known(service.Value, servicePath, ["instances"], errors);
                        instances = Int(service.Value, "instances", servicePath, errors) ?? 0;
                        if (instances is < 0 or > 8)
                        {
                            errors.Add($"{servicePath}.instances: {instances} is outside 0..8 (0: the region's capacity share of the primary's instances)");
                        }

                        break;
                    default:
                        errors.Add($"{servicePath}: unknown service '{service.Name}' (a region runs: {string.Join(", ", RegionServices)}; and may run files)");
                        break;
                }
            }

            foreach (var required in RegionServices.Where(s => !services.TryGetProperty(s, out _)))
            {
                errors.Add($"{path}.services.{required}: missing (every region runs {string.Join(", ", RegionServices)})");
            }
        }

        if (role == RegionRole.Primary && instances == 0)
        {
            instances = 1;
        }

        return errors.Count > before ? null
            : new LabRegion(name!, role, address!, String(region, "location", path, errors) ?? name!, capacity, postgres, redis, instances) { Files = files };
    }

    private static (string Address, bool Azurite, bool S3) ParseShared(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("shared", out var shared) || shared.ValueKind != JsonValueKind.Object)
        {
            errors.Add("shared: missing (the shared services: dns, and optionally azurite and s3)");
            return ("127.0.0.1", false, false);
        }

        Known(shared, "shared", ["address", "services"], errors);
        var address = shared.TryGetProperty("address", out _) ? LoopbackAddress(shared, "shared", errors) ?? "127.0.0.1" : "127.0.0.1";
        if (!shared.TryGetProperty("services", out var services) || services.ValueKind != JsonValueKind.Object)
        {
            errors.Add("shared.services: missing");
            return (address, false, false);
        }

        foreach (var service in services.EnumerateObject().Where(s => !SharedServices.Contains(s.Name)))
        {
            errors.Add($"shared.services.{service.Name}: unknown service '{service.Name}' (shared services: {string.Join(", ", SharedServices)})");
        }

        if (!services.TryGetProperty("dns", out _))
        {
            errors.Add("shared.services.dns: missing (the workload and the load generator resolve through the lab's DNS)");
        }

        return (address, services.TryGetProperty("azurite", out _), services.TryGetProperty("s3", out _));
    }

    private static Dictionary<string, int> ParsePorts(JsonElement root, List<string> errors)
    {
        var ports = new Dictionary<string, int>();
        if (!root.TryGetProperty("ports", out var element))
        {
            return ports;
        }

        Known(element, "ports", LabTopology.PortNames, errors);
        var seen = new Dictionary<int, string>();
        foreach (var name in LabTopology.PortNames)
        {
            var port = Int(element, name, "ports", errors) ?? 0;
            if (port is < 0 or > 65535)
            {
                errors.Add($"ports.{name}: {port} is not a port number");
                continue;
            }

            if (port != 0 && !seen.TryAdd(port, name))
            {
                errors.Add($"ports.{name}: duplicate port {port}, already used by ports.{seen[port]}");
            }

            ports[name] = port;
        }

        return ports;
    }

    private static LabRegion? Single(List<(LabRegion Region, string Path)> regions, RegionRole role, List<string> errors)
    {
        var matching = regions.Where(r => r.Region.Role == role).ToList();
        if (matching.Count != 1)
        {
            errors.Add(matching.Count == 0
                ? $"regions: missing region with role '{role.ToString().ToLowerInvariant()}'"
                : $"{matching[1].Path}.role: a second '{role.ToString().ToLowerInvariant()}' region");
        }

        return matching.Count == 1 ? matching[0].Region : null;
    }

    private static string? LoopbackAddress(JsonElement element, string path, List<string> errors)
    {
        var text = String(element, "address", path, errors, required: true);
        if (text is null)
        {
            return null;
        }

        if (!IPAddress.TryParse(text, out var ip) || !IPAddress.IsLoopback(ip) || ip.GetAddressBytes().Length != 4)
        {
            errors.Add($"{path}.address: '{text}' is not an IPv4 loopback address (127.x.y.z): the lab only listens on this machine");
            return null;
        }

        return text;
    }

    private static void Known(JsonElement element, string path, string[] known, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{(path.Length == 0 ? "(root)" : path)}: expected an object");
            return;
        }

        foreach (var property in element.EnumerateObject().Where(p => !known.Contains(p.Name)))
        {
            errors.Add($"{(path.Length == 0 ? "" : path + ".")}{property.Name}: unknown field"
                + (known.Length > 0 ? $" (known: {string.Join(", ", known)})" : ""));
        }
    }

    private static string? String(JsonElement element, string name, string path, List<string> errors, bool required = false)
    {
        var full = path.Length == 0 ? name : $"{path}.{name}";
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            if (required)
            {
                errors.Add($"{full}: missing");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors.Add($"{full}: expected a non-empty string");
            return null;
        }

        return value.GetString();
    }

    private static int? Int(JsonElement element, string name, string path, List<string> errors)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            errors.Add($"{path}.{name}: expected a whole number");
            return null;
        }

        return number;
    }
}
