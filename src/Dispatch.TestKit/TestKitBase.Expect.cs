using System.Diagnostics;
using Dispatch.Actors;
using Xunit.Sdk;

namespace Dispatch.Testing;

/// <summary>Message expectations.</summary>
public abstract partial class TestKitBase
{
    /// <summary>Expects a message of type <typeparamref name="T"/> within <paramref name="timeout"/> (default: remaining or 3 s).</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null) =>
        OfType<T>(ReceiveOrFail(timeout, TypeName<T>(), hint), hint);

    /// <summary>Expects a message equal to <paramref name="message"/>.</summary>
    public T ExpectMsg<T>(T message, TimeSpan? timeout = null, string? hint = null) =>
        EqualTo(message, ReceiveOrFail(timeout, $"message {message}", hint), hint);

    /// <summary>Expects a message of type <typeparamref name="T"/> satisfying <paramref name="isMessage"/>.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null) =>
        Satisfying(isMessage, ReceiveOrFail(timeout, TypeName<T>(), hint), hint);

    /// <summary>Expects a message of type <typeparamref name="T"/> and runs <paramref name="assert"/> on it.</summary>
    public T ExpectMsg<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null) =>
        Asserted(assert, ReceiveOrFail(timeout, TypeName<T>(), hint), hint);

    /// <summary>Expects a message of type <typeparamref name="T"/>, waiting asynchronously.</summary>
    public async Task<T> ExpectMsgAsync<T>(TimeSpan? timeout = null, string? hint = null) =>
        OfType<T>(await ReceiveOrFailAsync(timeout, TypeName<T>(), hint).ConfigureAwait(false), hint);

    /// <summary>Expects a message equal to <paramref name="message"/>, waiting asynchronously.</summary>
    public async Task<T> ExpectMsgAsync<T>(T message, TimeSpan? timeout = null, string? hint = null) =>
        EqualTo(message, await ReceiveOrFailAsync(timeout, $"message {message}", hint).ConfigureAwait(false), hint);

    /// <summary>Expects a message satisfying <paramref name="isMessage"/>, waiting asynchronously.</summary>
    public async Task<T> ExpectMsgAsync<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null) =>
        Satisfying(isMessage, await ReceiveOrFailAsync(timeout, TypeName<T>(), hint).ConfigureAwait(false), hint);

    /// <summary>Expects a message of type <typeparamref name="T"/> passing <paramref name="assert"/>, waiting asynchronously.</summary>
    public async Task<T> ExpectMsgAsync<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null) =>
        Asserted(assert, await ReceiveOrFailAsync(timeout, TypeName<T>(), hint).ConfigureAwait(false), hint);

    /// <summary>Expects that no message arrives for <paramref name="duration"/> (default 100 ms, dilated).</summary>
    public void ExpectNoMsg(TimeSpan? duration = null)
    {
        var wait = Dilated(duration ?? TestKitSettings.DefaultNoMessageDuration);
        if (_queue.TryTake(wait, out var received))
        {
            Record(received);
            throw new XunitException($"Expected no message for {wait} but received {Describe(received.Message)} from {received.Sender}.");
        }
    }

    /// <summary>Expects that no message arrives for <paramref name="duration"/>, waiting asynchronously.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan? duration = null)
    {
        var wait = Dilated(duration ?? TestKitSettings.DefaultNoMessageDuration);
        if (await _queue.TryTakeAsync(wait).ConfigureAwait(false) is { } received)
        {
            Record(received);
            throw new XunitException($"Expected no message for {wait} but received {Describe(received.Message)} from {received.Sender}.");
        }
    }

    /// <summary>Expects <see cref="Terminated"/> for <paramref name="target"/>, which must be watched (see <c>Watch</c>).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        return ExpectMsg<Terminated>(t => t.ActorRef.Equals(target), timeout, $"Terminated of {target}");
    }

    /// <summary>Expects <see cref="Terminated"/> for <paramref name="target"/>, waiting asynchronously.</summary>
    public Task<Terminated> ExpectTerminatedAsync(IActorRef target, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        return ExpectMsgAsync<Terminated>(t => t.ActorRef.Equals(target), timeout, $"Terminated of {target}");
    }

    /// <summary>Expects exactly the given messages, in any order, within the remaining or default timeout.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] messages) => ExpectMsgAllOf(RemainingOrDefault, messages);

    /// <summary>Expects exactly the given messages, in any order, within <paramref name="max"/> (not dilated again when it comes from Remaining).</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(TimeSpan max, params T[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var missing = new List<T>(messages);
        var received = new List<T>(messages.Length);
        var deadline = Stopwatch.GetTimestamp() + (long)(max.TotalSeconds * Stopwatch.Frequency);
        while (missing.Count > 0)
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (!_queue.TryTake(left, out var next))
            {
                throw new XunitException($"Timeout ({max}) in ExpectMsgAllOf: still missing {string.Join(", ", missing)}.");
            }

            var message = Record(next);
            var index = message is T typed ? missing.FindIndex(m => Equals(m, typed)) : -1;
            if (index < 0)
            {
                throw new XunitException($"ExpectMsgAllOf received unexpected {Describe(message)}; still missing {string.Join(", ", missing)}.");
            }

            received.Add(missing[index]);
            missing.RemoveAt(index);
        }

        return received;
    }

    /// <summary>Receives <paramref name="count"/> messages, all within <paramref name="max"/> (default: remaining or 3 s).</summary>
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? max = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var total = ResolveTimeout(max);
        var deadline = Stopwatch.GetTimestamp() + (long)(total.TotalSeconds * Stopwatch.Frequency);
        var messages = new List<object>(count);
        while (messages.Count < count)
        {
            if (!_queue.TryTake(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline), out var next))
            {
                throw new XunitException($"Timeout ({total}) in ReceiveN: received {messages.Count} of {count} messages.");
            }

            messages.Add(Record(next));
        }

        return messages;
    }

    /// <summary>Receives messages until one satisfies <paramref name="isMessage"/>, skipping the others; fails if none does within <paramref name="max"/>.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null, string? hint = null) =>
        FishForMessage<object>(isMessage, max, hint);

    /// <summary>Receives messages until a <typeparamref name="T"/> satisfies <paramref name="isMessage"/>, skipping the others.</summary>
    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        var total = ResolveTimeout(max);
        var deadline = Stopwatch.GetTimestamp() + (long)(total.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (!_queue.TryTake(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline), out var next))
            {
                throw new XunitException($"Timeout ({total}) in FishForMessage: no {TypeName<T>()} matched{Hint(hint)}.");
            }

            if (Record(next) is T typed && isMessage(typed))
            {
                return typed;
            }
        }
    }

    private static T OfType<T>(object message, string? hint) => message is T typed
        ? typed
        : throw new XunitException($"Expected {TypeName<T>()}{Hint(hint)} but received {Describe(message)}.");

    private static T EqualTo<T>(T expected, object message, string? hint)
    {
        var typed = OfType<T>(message, hint);
        return Equals(expected, typed)
            ? typed
            : throw new XunitException($"Expected message {expected}{Hint(hint)} but received {Describe(message)}.");
    }

    private static T Satisfying<T>(Predicate<T> isMessage, object message, string? hint)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        var typed = OfType<T>(message, hint);
        return isMessage(typed)
            ? typed
            : throw new XunitException($"Received {Describe(message)}, which does not satisfy the predicate{Hint(hint)}.");
    }

    private static T Asserted<T>(Action<T> assert, object message, string? hint)
    {
        ArgumentNullException.ThrowIfNull(assert);
        var typed = OfType<T>(message, hint);
        assert(typed);
        return typed;
    }

    private static string TypeName<T>() => typeof(T) == typeof(object) ? "any message" : $"a message of type {typeof(T).Name}";

    private static string Describe(object message) => $"{message.GetType().Name} <{message}>";
}
