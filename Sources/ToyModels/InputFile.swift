import Foundation

/// Reading an input file (a case file, an SAE file), or standard input for `-`, with the
/// reason it cannot be read in the error.
public enum InputFile {
  /// The bytes at `path` (`-`: standard input, read to its end).
  /// - Throws: `FieldError` naming `field` and the path: it does not exist, is a directory, or
  ///   cannot be read (permissions).
  public static func contents(of path: String, field: String, kind: FieldError.Kind) throws
    -> Data
  {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    if let data = FileManager.default.contents(atPath: path) { return data }
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    throw FieldError(
      field: field, value: escapedForMessage(path, limit: 1000),
      reason: !exists
        ? "does not exist"
        : isDirectory.boolValue ? "is a directory" : "cannot be read (permission denied)",
      kind: kind)
  }
}
