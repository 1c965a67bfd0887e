using System.Globalization;

namespace ActorRec.Recommender.Evaluation;

/// <summary>Thrown when a data set's files are not where the caller said; the message names the path.</summary>
public sealed class DatasetNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception for a missing file.</summary>
    public DatasetNotFoundException(string dataset, string path)
        : base($"Data set '{dataset}' not found: expected the file '{path}'. Pass the folder that holds the data sets (e.g. --data-root ../shared/data).", path)
    {
        Dataset = dataset;
    }

    /// <summary>The data set asked for.</summary>
    public string Dataset { get; }
}

/// <summary>Settings of the loaders.</summary>
/// <param name="MovieLensPositiveRating">A MovieLens rating counts as a positive at or above this value.</param>
/// <param name="KuaiRandPositiveWatchRatio">A KuaiRand view counts as a positive when play time / duration reaches this ratio.</param>
public sealed record DatasetSettings(float MovieLensPositiveRating = 4f, float KuaiRandPositiveWatchRatio = 0.8f)
{
    /// <summary>Validates and names the bad key.</summary>
    public static DatasetSettings Create(float movieLensPositiveRating = 4f, float kuaiRandPositiveWatchRatio = 0.8f)
    {
        if (movieLensPositiveRating is < 1f or > 5f)
        {
            throw new ArgumentOutOfRangeException(nameof(movieLensPositiveRating), movieLensPositiveRating, "eval.movielens-positive-rating must be in 1..5.");
        }

        if (!(kuaiRandPositiveWatchRatio > 0f) || kuaiRandPositiveWatchRatio > 10f)
        {
            throw new ArgumentOutOfRangeException(nameof(kuaiRandPositiveWatchRatio), kuaiRandPositiveWatchRatio, "eval.kuairand-positive-watch-ratio must be in (0, 10].");
        }

        return new DatasetSettings(movieLensPositiveRating, kuaiRandPositiveWatchRatio);
    }
}

/// <summary>
/// Loaders for the evaluation data sets under a data root (see ../shared/data/README.txt):
/// <c>ml-100k</c> (ml-100k/u.data), <c>ml-1m</c> (ml-1m_partial/ratings_first487650.dat, the first 487,650 ratings
/// of ML-1M) and <c>kuairand</c> (kuairand_27k_like_hate_subset/processed_standard_kcore_15.tsv, play time against
/// duration; when the duration is missing the log's long_view flag decides).
/// </summary>
public static class DatasetLoader
{
    /// <summary>Names <see cref="Load"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Names = ["ml-100k", "ml-1m", "kuairand"];

    /// <summary>Loads a data set by name from <paramref name="dataRoot"/>.</summary>
    public static InteractionDataset Load(string name, string dataRoot, DatasetSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataRoot);
        settings ??= new DatasetSettings();
        return name switch
        {
            "ml-100k" => LoadMovieLens100k(Path.Combine(dataRoot, "ml-100k", "u.data"), settings),
            "ml-1m" => LoadMovieLens1m(Path.Combine(dataRoot, "ml-1m_partial", "ratings_first487650.dat"), settings),
            "kuairand" => LoadKuaiRand(Path.Combine(dataRoot, "kuairand_27k_like_hate_subset", "processed_standard_kcore_15.tsv"), settings),
            _ => throw new ArgumentException($"Unknown data set '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>MovieLens 100k <c>u.data</c>: user TAB item TAB rating TAB unix-seconds.</summary>
    public static InteractionDataset LoadMovieLens100k(string path, DatasetSettings? settings = null) =>
        LoadMovieLens("ml-100k", path, "\t", settings ?? new DatasetSettings());

    /// <summary>MovieLens 1M <c>ratings.dat</c> (or its prefix): user::item::rating::unix-seconds.</summary>
    public static InteractionDataset LoadMovieLens1m(string path, DatasetSettings? settings = null) =>
        LoadMovieLens("ml-1m", path, "::", settings ?? new DatasetSettings());

    /// <summary>KuaiRand log (TAB-separated with a header naming user_id, video_id, time_ms, play_time_ms, duration_ms, long_view).</summary>
    public static InteractionDataset LoadKuaiRand(string path, DatasetSettings? settings = null)
    {
        settings ??= new DatasetSettings();
        EnsureExists("kuairand", path);
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty file, expected a header line.");
        var columns = header.Split('\t');
        var user = Column(columns, "user_id", path);
        var video = Column(columns, "video_id", path);
        var time = Column(columns, "time_ms", path);
        var play = Column(columns, "play_time_ms", path);
        var duration = Column(columns, "duration_ms", path);
        var longView = Column(columns, "long_view", path);
        var users = new IdMap();
        var items = new IdMap();
        var list = new List<Interaction>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split('\t');
            if (f.Length < columns.Length)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected {columns.Length} fields, found {f.Length}.");
            }

            var playMs = ParseDouble(f[play], path, lineNumber);
            var durationMs = ParseDouble(f[duration], path, lineNumber);
            var ratio = durationMs > 0 ? (float)(playMs / durationMs) : float.NaN;
            var positive = durationMs > 0 ? ratio >= settings.KuaiRandPositiveWatchRatio : f[longView] == "1";
            list.Add(new Interaction(
                users[ParseLong(f[user], path, lineNumber)],
                items[ParseLong(f[video], path, lineNumber)],
                ParseLong(f[time], path, lineNumber),
                positive,
                float.IsNaN(ratio) ? (positive ? 1f : 0f) : ratio));
        }

        return new InteractionDataset("kuairand", list.ToArray(), users.ToArray(), items.ToArray()) { StrengthKind = StrengthKind.WatchRatio };
    }

    private static InteractionDataset LoadMovieLens(string name, string path, string separator, DatasetSettings settings)
    {
        EnsureExists(name, path);
        var users = new IdMap();
        var items = new IdMap();
        var list = new List<Interaction>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split(separator);
            if (f.Length < 4)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected user{separator}item{separator}rating{separator}timestamp, found '{line}'.");
            }

            var rating = (float)ParseDouble(f[2], path, lineNumber);
            list.Add(new Interaction(
                users[ParseLong(f[0], path, lineNumber)],
                items[ParseLong(f[1], path, lineNumber)],
                ParseLong(f[3], path, lineNumber) * 1000L,
                rating >= settings.MovieLensPositiveRating,
                rating));
        }

        return new InteractionDataset(name, list.ToArray(), users.ToArray(), items.ToArray());
    }

    private static void EnsureExists(string dataset, string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetNotFoundException(dataset, path);
        }
    }

    private static int Column(string[] columns, string name, string path)
    {
        var index = Array.IndexOf(columns, name);
        return index >= 0 ? index : throw new InvalidDataException($"{path}: header has no column '{name}'.");
    }

    private static long ParseLong(string s, string path, int line) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InvalidDataException($"{path}:{line}: '{s}' is not an integer.");

    private static double ParseDouble(string s, string path, int line) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new InvalidDataException($"{path}:{line}: '{s}' is not a number.");
}
