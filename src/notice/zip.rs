//! A minimal ZIP writer for a stream: entries are stored (PDFs are compressed already), each
//! written whole as soon as it is ready; only the small central directory is kept until the end.

/// Builds a ZIP archive piece by piece: [`ZipStream::entry`] returns the bytes of one entry,
/// [`ZipStream::finish`] those of the central directory.
#[derive(Debug, Default)]
pub struct ZipStream {
    offset: u64,
    directory: Vec<u8>,
    entries: u16,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the archive is too large for a ZIP without ZIP64 extensions")]
pub struct TooLarge;

/// 1980-01-01 00:00, the earliest DOS date: entries carry no meaningful time.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl ZipStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// The local header and data of one stored file.
    pub fn entry(&mut self, name: &str, data: &[u8]) -> Result<Vec<u8>, TooLarge> {
        let size = u32::try_from(data.len()).map_err(|_| TooLarge)?;
        let offset = u32::try_from(self.offset).map_err(|_| TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| TooLarge)?;
        self.entries = self.entries.checked_add(1).ok_or(TooLarge)?;
        let crc = crc32fast::hash(data);
        let mut out = Vec::with_capacity(30 + name.len() + data.len());
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
            v.extend_from_slice(&0u16.to_le_bytes()); // stored
            v.extend_from_slice(&DOS_TIME.to_le_bytes());
            v.extend_from_slice(&DOS_DATE.to_le_bytes());
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&name_len.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        };
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        let d = &mut self.directory;
        d.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        d.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(d);
        d.extend_from_slice(&0u16.to_le_bytes()); // comment length
        d.extend_from_slice(&0u16.to_le_bytes()); // disk number
        d.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        d.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        d.extend_from_slice(&offset.to_le_bytes());
        d.extend_from_slice(name.as_bytes());

        self.offset += out.len() as u64;
        Ok(out)
    }

    /// The central directory and its end record.
    pub fn finish(self) -> Result<Vec<u8>, TooLarge> {
        let offset = u32::try_from(self.offset).map_err(|_| TooLarge)?;
        let size = u32::try_from(self.directory.len()).map_err(|_| TooLarge)?;
        let mut out = self.directory;
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&self.entries.to_le_bytes());
        out.extend_from_slice(&self.entries.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        Ok(out)
    }
}
