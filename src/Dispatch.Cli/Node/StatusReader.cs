using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dispatch.Hosting.Ingress;

namespace Dispatch.Cli.Node;

/// <summary>Reads a node's <c>GET /v1/status</c> with its ingress token.</summary>
internal static class StatusReader
{
    /// <summary>How long the node may take to answer (it waits up to 3 s for each endpoint's quota owner).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>The node's status and the JSON it came as.</summary>
    /// <param name="node">The node's ingress, e.g. <c>http://127.0.0.1:8780</c>.</param>
    /// <param name="token">Its bearer token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="StatusUnavailableException">No status: unreachable, refused, or not a Dispatch status; the message says which in one line.</exception>
    public static async Task<(NodeStatus Status, string Json)> ReadAsync(Uri node, string token, CancellationToken cancellationToken)
    {
        var statusUri = new Uri(node, "/v1/status");
        string body;
        try
        {
            using var http = new HttpClient { Timeout = Timeout };
            using var request = new HttpRequestMessage(HttpMethod.Get, statusUri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new StatusUnavailableException($"{statusUri} refused the token (401)") { TokenRefused = true };
            if (!response.IsSuccessStatusCode)
                throw new StatusUnavailableException($"{statusUri} answered {(int)response.StatusCode} {response.ReasonPhrase}: {OneLine(body)}");
        }
        catch (HttpRequestException e)
        {
            throw new StatusUnavailableException($"cannot reach {statusUri}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StatusUnavailableException($"{statusUri} did not answer within {Timeout.TotalSeconds:0} s");
        }

        try
        {
            return (JsonSerializer.Deserialize<NodeStatus>(body, IngressEndpoints.JsonOptions) ?? throw new JsonException("the body is null"), body);
        }
        catch (JsonException e)
        {
            throw new StatusUnavailableException($"{statusUri} did not answer a Dispatch status: {e.Message}");
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>A node's status could not be read; the message says why in one line.</summary>
internal sealed class StatusUnavailableException(string message) : Exception(message)
{
    /// <summary>The node answered 401: the token is missing or wrong.</summary>
    public bool TokenRefused { get; init; }
}
