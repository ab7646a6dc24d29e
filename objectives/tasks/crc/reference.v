// crc: CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, MSB first, no
// reflection, no final XOR), one byte per clock cycle.
module crc (
    input  wire        clk,
    input  wire        rst,
    input  wire        init,
    input  wire        valid,
    input  wire [7:0]  data,
    output reg  [15:0] crc
);

    localparam [15:0] POLY = 16'h1021;
    localparam [15:0] SEED = 16'hFFFF;

    // one byte through the bit-serial LFSR, MSB first
    function [15:0] crc_byte;
        input [15:0] c;
        input [7:0]  d;
        reg   [15:0] r;
        reg   [3:0]  k;
        begin
            r = c ^ {d, 8'h00};
            for (k = 0; k < 8; k = k + 1)
                r = r[15] ? ((r << 1) ^ POLY) : (r << 1);
            crc_byte = r;
        end
    endfunction

    wire [15:0] base = init ? SEED : crc;

    always @(posedge clk) begin
        if (rst)
            crc <= SEED;
        else if (valid)
            crc <= crc_byte(base, data);
        else if (init)
            crc <= SEED;
    end

endmodule
