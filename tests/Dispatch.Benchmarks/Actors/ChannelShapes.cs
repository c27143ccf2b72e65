using System.Threading.Channels;

namespace Dispatch.Benchmarks.Actors;

/// <summary>
/// The messaging shapes on raw, default <see cref="Channel{T}"/>s: the baseline Akka.NET is
/// measured against in the same run. Each shape moves exactly the messages its actor twin moves,
/// so msgs/s are comparable one to one.
/// </summary>
internal static class ChannelShapes
{
    private static readonly object Message = new();

    /// <summary>One client and one echo, strictly alternating: <paramref name="roundTrips"/> round trips.</summary>
    public static async Task PingPongAsync(int roundTrips)
    {
        var ping = Channel.CreateUnbounded<object>();
        var pong = Channel.CreateUnbounded<object>();
        var echo = Task.Run(async () =>
        {
            for (var i = 0; i < roundTrips; i++)
            {
                pong.Writer.TryWrite(await ping.Reader.ReadAsync().ConfigureAwait(false));
            }
        });
        for (var i = 0; i < roundTrips; i++)
        {
            ping.Writer.TryWrite(Message);
            await pong.Reader.ReadAsync().ConfigureAwait(false);
        }
        await echo.ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="pairs"/> independent client/echo pairs; each client sends bursts of
    /// <paramref name="burst"/> messages and waits for all echoes before the next burst.
    /// </summary>
    public static Task PairsAsync(int pairs, int bursts, int burst)
    {
        var runs = new Task[pairs];
        for (var p = 0; p < pairs; p++)
        {
            runs[p] = Task.Run(() => OnePairAsync(bursts, burst));
        }
        return Task.WhenAll(runs);
    }

    private static async Task OnePairAsync(int bursts, int burst)
    {
        var ping = Channel.CreateUnbounded<object>();
        var pong = Channel.CreateUnbounded<object>();
        var total = bursts * burst;
        var echo = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                pong.Writer.TryWrite(await ping.Reader.ReadAsync().ConfigureAwait(false));
            }
        });
        for (var b = 0; b < bursts; b++)
        {
            for (var i = 0; i < burst; i++)
            {
                ping.Writer.TryWrite(Message);
            }
            for (var i = 0; i < burst; i++)
            {
                await pong.Reader.ReadAsync().ConfigureAwait(false);
            }
        }
        await echo.ConfigureAwait(false);
    }

    /// <summary><paramref name="producers"/> writers into one channel with a single consumer.</summary>
    public static async Task FanInAsync(int producers, int perProducer)
    {
        var inbox = Channel.CreateUnbounded<object>();
        var total = producers * perProducer;
        var consumer = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                await inbox.Reader.ReadAsync().ConfigureAwait(false);
            }
        });
        var writers = new Task[producers];
        for (var p = 0; p < producers; p++)
        {
            writers[p] = Task.Run(() =>
            {
                for (var i = 0; i < perProducer; i++)
                {
                    inbox.Writer.TryWrite(Message);
                }
            });
        }
        await Task.WhenAll(writers).ConfigureAwait(false);
        await consumer.ConfigureAwait(false);
    }

    /// <summary>
    /// <paramref name="calls"/> request/replies, one at a time, to a consumer task that completes each
    /// request's own <see cref="TaskCompletionSource{TResult}"/>: the twin of an Ask.
    /// </summary>
    public static async Task RequestReplyAsync(int calls)
    {
        var requests = Channel.CreateUnbounded<TaskCompletionSource<object>>();
        var server = Task.Run(async () =>
        {
            await foreach (var request in requests.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                request.TrySetResult(Message);
            }
        });
        for (var i = 0; i < calls; i++)
        {
            var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            requests.Writer.TryWrite(reply);
            await reply.Task.ConfigureAwait(false);
        }

        requests.Writer.Complete();
        await server.ConfigureAwait(false);
    }
}
