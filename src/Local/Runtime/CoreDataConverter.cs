using CoreConverter = DurableTask.Core.Serializing.DataConverter;
using TaskConverter = Microsoft.DurableTask.DataConverter;

namespace CausalEval.Dr.Local.Runtime;

/// <summary>
/// Lets DTFx's TaskHubClient write inputs and events with the same System.Text.Json converter the
/// worker's shims read them with (DTFx's default writes Newtonsoft "$type" names the shims can't read).
/// </summary>
internal sealed class CoreDataConverter(TaskConverter inner) : CoreConverter
{
    public override string Serialize(object value) => inner.Serialize(value) ?? "null";

    public override string Serialize(object value, bool formatted) => Serialize(value);

    public override object Deserialize(string data, Type objectType) => inner.Deserialize(data, objectType)!;
}
